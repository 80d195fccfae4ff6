package dev.pgmessaging.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import io.smallrye.reactive.messaging.MutinyEmitter;

/**
 * Persists an order and sends a message in one transaction, to a queue nobody consumes, so the
 * tests can count exactly what was committed.
 */
@ApplicationScoped
public class OutboxProbe {

    static final String QUEUE = "outbox-probe";

    @Inject
    @Channel("outbox-probe")
    Emitter<OrderPlaced> probe;
    @Inject
    @Channel("outbox-probe-mutiny")
    MutinyEmitter<OrderPlaced> mutinyProbe;
    @Inject
    DataSource dataSource;

    /** Like {@link #placeAndCommit} or {@link #placeAndFail}, through the Mutiny emitter. */
    @Transactional
    public void placeWithMutiny(String product, boolean fail) {
        PurchaseOrder order = place(product);
        mutinyProbe.sendAndAwait(new OrderPlaced(order.id, product, 1));
        if (fail) {
            throw new IllegalStateException("payment refused");
        }
    }

    /** Every product that has a probe message, as seen by a connection of its own. */
    public java.util.Set<String> products() {
        java.util.Set<String> products = new java.util.HashSet<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT convert_from(payload, 'UTF8')::jsonb ->> 'product' FROM outbox_test.queue_message "
                                + "WHERE queue = ?")) {
            statement.setString(1, QUEUE);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    products.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return products;
    }

    /** @return how many probe messages another connection saw before the commit */
    @Transactional
    public long placeAndCommit(String product) {
        PurchaseOrder order = place(product);
        probe.send(new OrderPlaced(order.id, product, 1)).toCompletableFuture().join();
        // a separate connection, outside this transaction, must not see the message yet
        return CompletableFuture.supplyAsync(() -> count(product)).join();
    }

    @Transactional
    public void placeAndFail(String product) {
        PurchaseOrder order = place(product);
        probe.send(new OrderPlaced(order.id, product, 1)).toCompletableFuture().join();
        throw new IllegalStateException("payment refused");
    }

    private static PurchaseOrder place(String product) {
        PurchaseOrder order = new PurchaseOrder();
        order.product = product;
        order.quantity = 1;
        order.status = PurchaseOrder.Status.PLACED;
        order.placedAt = java.time.Instant.now();
        order.persist();
        order.flush();
        return order;
    }

    /** Probe messages that mention the product, as seen by a connection of its own. */
    public long count(String product) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT count(*) FROM outbox_test.queue_message WHERE queue = ? "
                                + "AND convert_from(payload, 'UTF8')::jsonb ->> 'product' = ?")) {
            statement.setString(1, QUEUE);
            statement.setString(2, product);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
