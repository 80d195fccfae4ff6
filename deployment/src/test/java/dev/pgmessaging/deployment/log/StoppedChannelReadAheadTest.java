package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.ChannelHealth;
import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.PostgresConnector;
import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.log.LogStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A topic channel stopped by the fail strategy had read records ahead of its handler: none of them
 * may commit an effect once it stopped, or the next owner of the partition, starting from the
 * committed offset, would apply them a second time.
 */
class StoppedChannelReadAheadTest {

    static final String SCHEMA = "stopped_channel_read_ahead_test";
    static final int RECORDS = 200;
    static final long POISON = 5;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Ledger.class, Rows.class, ChannelHealth.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF")
            .overrideConfigKey("mp.messaging.incoming.payments.topic", "payments")
            .overrideConfigKey("mp.messaging.incoming.payments.group.id", "ledger")
            .overrideConfigKey("mp.messaging.incoming.payments.auto.offset.reset", "earliest");

    @Inject
    AgroalDataSource dataSource;
    @Inject
    @Connector("postgres")
    PostgresConnector connector;
    @Inject
    PostgresMessaging messaging;

    @Test
    void recordsReadAheadCommitNothingOnceTheChannelStopped() throws Exception {
        Rows.execute(dataSource, "CREATE TABLE " + SCHEMA + ".effect (\"offset\" bigint)");
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.findTopic(dataSource, "payments");
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            records.add(new NewRecord(0, null, "text/plain", null, ("payment-" + i).getBytes(), null));
        }
        try (Connection connection = dataSource.getConnection()) {
            store.append(connection, topic, records, null, null); // one batch: read ahead at once
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !ready());
        // bounded: the read-ahead records were handled within milliseconds each when this failed
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> effects() == POISON);
        assertEquals(POISON, messaging.lag("ledger", "payments").get(0).committedOffset());
    }

    private long effects() {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".effect");
    }

    private boolean ready() {
        return ChannelHealth.ready(connector, "payments");
    }

    @ApplicationScoped
    static class Ledger {
        @Inject
        AgroalDataSource dataSource;

        @Incoming("payments")
        @Transactional
        void record(String payment, IncomingLogMetadata<String> metadata) throws SQLException {
            if (metadata.getOffset() == POISON) {
                throw new IllegalArgumentException("poison payment " + payment);
            }
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement insert = connection.prepareStatement("INSERT INTO " + SCHEMA + ".effect VALUES (?)")) {
                insert.setLong(1, metadata.getOffset());
                insert.executeUpdate();
            }
        }
    }
}
