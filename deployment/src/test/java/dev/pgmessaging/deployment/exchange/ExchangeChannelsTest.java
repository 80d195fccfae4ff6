package dev.pgmessaging.deployment.exchange;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.UnroutableMessageException;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.MutinyEmitter;

/**
 * Exchanges through channels: bindings declared in configuration and by an incoming channel for
 * its own queue, routing keys from the channel and from metadata, the three unroutable behaviours,
 * and the outbox guarantee through an exchange bound to several queues.
 */
class ExchangeChannelsTest {

    static final String SCHEMA = "exchange_channels_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Billing.class, Producers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            // declared in configuration: "audit" gets every event, "archive" the tx.* ones
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.type", "topic")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.bindings.audit.routing-keys", "#")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.bindings.archive.routing-keys", "tx.#")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.strict.type", "direct")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.strict.bindings.known.routing-keys", "known")
            // declared by the consumer for its own queue
            .overrideConfigKey("mp.messaging.incoming.billing.exchange", "events")
            .overrideConfigKey("mp.messaging.incoming.billing.routing-keys", "order.*,payment.#")
            .overrideConfigKey("mp.messaging.outgoing.events-out.exchange", "events")
            .overrideConfigKey("mp.messaging.outgoing.events-out.routing-key", "order.created")
            .overrideConfigKey("mp.messaging.outgoing.tx-out.exchange", "events")
            .overrideConfigKey("mp.messaging.outgoing.tx-out.routing-key", "tx.placed")
            .overrideConfigKey("mp.messaging.outgoing.strict-out.exchange", "strict")
            .overrideConfigKey("mp.messaging.outgoing.strict-out.unroutable", "fail")
            .overrideConfigKey("mp.messaging.outgoing.lenient-out.exchange", "strict")
            .overrideConfigKey("mp.messaging.outgoing.fallback-out.exchange", "strict")
            .overrideConfigKey("mp.messaging.outgoing.fallback-out.unroutable", "alternate-queue");

    @Inject
    Producers producers;
    @Inject
    Billing billing;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    PostgresMessaging messaging;

    @Test
    void consumersReceiveWhatTheirBindingsMatch() {
        producers.events().send("created"); // the channel's routing key: order.created
        producers.events().send(withRoutingKey("captured", "payment.card.captured"));
        producers.events().send(withRoutingKey("shipped", "shipping.done"));
        producers.events().send(withRoutingKey("created-then-paid", "order.paid"));

        await().atMost(Duration.ofSeconds(20)).until(() -> billing.received().size() == 3);
        assertEquals(List.of("created order.created", "captured payment.card.captured", "created-then-paid order.paid"),
                billing.received());
        assertEquals(4, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE queue = ? AND routing_key NOT LIKE 'tx.%'", "audit"), "audit is bound with #");
    }

    @Test
    void unroutableMessagesFailDropOrGoToTheAlternateQueueAsConfigured() {
        assertThrows(UnroutableMessageException.class,
                () -> producers.strict().sendMessageAndAwait(withRoutingKey("lost", "unknown")));
        producers.strict().sendMessageAndAwait(withRoutingKey("routed", "known"));
        assertEquals(1, Rows.count(dataSource, SCHEMA, "known"));

        long droppedBefore = messaging.unroutableCount("lenient-out");
        producers.lenient().sendMessageAndAwait(withRoutingKey("dropped", "unknown"));
        assertEquals(droppedBefore + 1, messaging.unroutableCount("lenient-out"));

        producers.fallback().sendMessageAndAwait(withRoutingKey("kept", "unknown"));
        assertEquals(1, Rows.count(dataSource, SCHEMA, "strict.unroutable"));
        assertEquals(1, Rows.count(dataSource, SCHEMA, "known"), "nothing else was stored");
    }

    @Test
    void aRolledBackTransactionLeavesNoCopyInAnyBoundQueue() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.createStatement().execute("CREATE TABLE " + SCHEMA + ".ledger (entry text)");
        }
        assertThrows(IllegalStateException.class, () -> producers.recordAndPublish("refused", true));
        assertEquals(0, rowsInBoundQueues("refused"), "copies after rollback");
        assertEquals(0, ledgerRows("refused"), "ledger row after rollback");

        producers.recordAndPublish("accepted", false);
        assertEquals(2, rowsInBoundQueues("accepted"), "one copy in audit, one in archive");
        assertEquals(1, ledgerRows("accepted"));
    }

    private static Message<String> withRoutingKey(String payload, String routingKey) {
        return Message.of(payload).addMetadata(OutgoingQueueMetadata.builder().withRoutingKey(routingKey).build());
    }

    private long rowsInBoundQueues(String key) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE queue IN ('audit', 'archive') AND message_key = ?", key);
    }

    private long ledgerRows(String entry) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".ledger WHERE entry = ?", entry);
    }

    @ApplicationScoped
    static class Billing {
        private final List<String> received = new CopyOnWriteArrayList<>();

        @Incoming("billing")
        void consume(String payload, IncomingQueueMetadata metadata) {
            assertEquals("events", metadata.exchange());
            received.add(payload + " " + metadata.routingKey());
        }

        List<String> received() {
            return received;
        }
    }

    @ApplicationScoped
    static class Producers {
        @Inject
        @Channel("events-out")
        Emitter<String> events;
        @Inject
        @Channel("tx-out")
        Emitter<String> tx;
        @Inject
        @Channel("strict-out")
        MutinyEmitter<String> strict;
        @Inject
        @Channel("lenient-out")
        MutinyEmitter<String> lenient;
        @Inject
        @Channel("fallback-out")
        MutinyEmitter<String> fallback;
        @Inject
        AgroalDataSource dataSource;

        // accessors: the test sees this bean through its client proxy, whose own fields are not injected
        Emitter<String> events() {
            return events;
        }

        MutinyEmitter<String> strict() {
            return strict;
        }

        MutinyEmitter<String> lenient() {
            return lenient;
        }

        MutinyEmitter<String> fallback() {
            return fallback;
        }

        /** Writes a ledger row and publishes a message keyed by the entry, in one transaction. */
        @Transactional
        void recordAndPublish(String entry, boolean fail) {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(
                            "INSERT INTO " + SCHEMA + ".ledger VALUES (?)")) {
                statement.setString(1, entry);
                statement.execute();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            tx.send(Message.of(entry).addMetadata(OutgoingQueueMetadata.builder().withKey(entry).build()));
            if (fail) {
                throw new IllegalStateException("refused");
            }
        }
    }
}
