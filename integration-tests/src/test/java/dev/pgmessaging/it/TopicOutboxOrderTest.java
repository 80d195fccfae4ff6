package dev.pgmessaging.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Records sent to a topic inside a transaction are appended as its very last work: after
 * Hibernate has flushed the entities (the partitions' locks are held from the append to the
 * commit, and nothing else waits for a lock after them).
 */
@QuarkusTest
@TestProfile(OwnSchema.Outbox.class)
class TopicOutboxOrderTest {

    @Inject
    Orders orders;
    @Inject
    DataSource dataSource;

    @Test
    void theRecordsAreAppendedAfterHibernateFlushedTheEntities() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            // every insert of the transaction, in the order the database ran them
            statement.execute("CREATE TABLE IF NOT EXISTS write_order (seq bigserial, what text)");
            statement.execute("CREATE OR REPLACE FUNCTION note_write() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN INSERT INTO write_order (what) VALUES (TG_ARGV[0]); RETURN NULL; END $$");
            statement.execute("CREATE OR REPLACE TRIGGER order_written AFTER INSERT ON PurchaseOrder"
                    + " FOR EACH ROW EXECUTE FUNCTION note_write('order')");
            statement.execute("CREATE OR REPLACE TRIGGER batch_written AFTER INSERT ON outbox_test.log_batch"
                    + " FOR EACH ROW EXECUTE FUNCTION note_write('record')");
            statement.execute("TRUNCATE write_order");
        }
        orders.placeWithoutFlushing("oolong");
        List<String> writes = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT what FROM write_order ORDER BY seq")) {
            while (rows.next()) {
                writes.add(rows.getString(1));
            }
        }
        assertEquals(List.of("order", "record"), writes);
    }

    @ApplicationScoped
    static class Orders {
        @Inject
        @Channel("order-events")
        Emitter<OrderPlaced> events;

        /** Hibernate writes the order when the transaction ends, not before. */
        @Transactional
        void placeWithoutFlushing(String product) {
            PurchaseOrder order = new PurchaseOrder();
            order.product = product;
            order.quantity = 1;
            order.status = PurchaseOrder.Status.PLACED;
            order.placedAt = java.time.Instant.now();
            order.persist();
            events.send(new OrderPlaced(order.id, product, 1));
        }
    }
}
