package dev.pgmessaging.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.PostgresConnector;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * {@code @Transactional} commits on a checked exception; a handler that throws one must still
 * commit nothing, its message's ack included: the message is delivered again (here at attempt 2),
 * whether the handler threw before writing, after writing, or because its own connection failed
 * while the ack's could be had, or the transaction was a service's that the handler called; a
 * topic handler's record keeps its offset. On the producer side, a
 * send that fails in a transaction keeps the transaction from committing.
 */
class CheckedExceptionRollbackTest {

    static final String SCHEMA = "checked_exception_rollback_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class, Ledger.class, Rows.class, ChannelHealth.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF")
            .overrideConfigKey("quarkus.datasource.db-kind", "postgresql")
            // a datasource whose connections fail (nothing listens on port 1), as the handler's did in a fault run
            .overrideConfigKey("quarkus.datasource.unreachable.db-kind", "postgresql")
            .overrideConfigKey("quarkus.datasource.unreachable.jdbc.url", "jdbc:postgresql://127.0.0.1:1/none")
            .overrideConfigKey("quarkus.datasource.unreachable.devservices.enabled", "false")
            .overrideConfigKey("mp.messaging.outgoing.to-before.queue", "before")
            .overrideConfigKey("mp.messaging.incoming.before.retry-initial-delay", "10ms")
            .overrideConfigKey("mp.messaging.outgoing.to-after.queue", "after")
            .overrideConfigKey("mp.messaging.incoming.after.retry-initial-delay", "10ms")
            .overrideConfigKey("mp.messaging.outgoing.to-fault.queue", "fault")
            .overrideConfigKey("mp.messaging.incoming.fault.retry-initial-delay", "10ms")
            .overrideConfigKey("mp.messaging.outgoing.to-nested.queue", "nested")
            .overrideConfigKey("mp.messaging.incoming.nested.retry-initial-delay", "10ms")
            .overrideConfigKey("mp.messaging.outgoing.to-orders.queue", "orders")
            .overrideConfigKey("mp.messaging.outgoing.to-payments.topic", "payments")
            .overrideConfigKey("mp.messaging.incoming.payments.topic", "payments")
            .overrideConfigKey("mp.messaging.incoming.payments.group.id", "ledger")
            .overrideConfigKey("mp.messaging.incoming.payments.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.payments.commit-interval", "1h");

    @Inject
    Handlers handlers;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    @Connector("postgres")
    PostgresConnector connector;
    @Inject
    PostgresMessaging messaging;

    @BeforeEach
    void effects() {
        Rows.execute(dataSource, "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".effect (queue text, id text, attempt int)");
    }

    @Test
    void aCheckedExceptionBeforeWritingLeavesTheMessageForItsNextAttempt() {
        handlers.send("before", "b-1");
        awaitEffect("before", 2);
        assertEquals(1, effects("before"), "processed once");
        assertEquals(0, Rows.count(dataSource, SCHEMA, "before"), "and acked then");
    }

    @Test
    void aCheckedExceptionAfterWritingCommitsNothingOfThatAttempt() {
        handlers.send("after", "a-1");
        awaitEffect("after", 2);
        assertEquals(1, effects("after"), "the first attempt's write was rolled back with its ack");
    }

    @Test
    void aHandlerWhoseOwnConnectionFailedDoesNotAckItsMessage() {
        handlers.send("fault", "f-1");
        awaitEffect("fault", 2);
        assertEquals(1, effects("fault"));
    }

    @Test
    void aServiceTransactionThatEndsWithACheckedExceptionDoesNotAckTheMessage() {
        handlers.send("nested", "n-1");
        awaitEffect("nested", 2);
        assertEquals(1, effects("nested"), "the service's first transaction committed nothing, the ack included");
    }

    @Test
    void aTopicHandlerThatThrowsACheckedExceptionLeavesItsOffset() {
        handlers.send("payments", "p-1");
        // the fail strategy stops the channel once the handler's transaction has ended
        await().atMost(Duration.ofSeconds(20)).until(() -> !ready("payments"));
        assertEquals(0L, messaging.lag("ledger", "payments").get(0).committedOffset(),
                "the record's offset was committed by the failed handler's transaction");
        assertEquals(false, ChannelHealth.live(connector, "payments"), "a channel stopped for good is not live");
    }

    @Test
    void aSendThatFailsInATransactionKeepsItFromCommitting() {
        handlers.placeWithAnUnwritableMessage("o-1");
        assertEquals(0, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".effect WHERE id = 'o-1'"),
                "the order committed without its message");
    }

    private void awaitEffect(String queue, int attempt) {
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.queryLong(dataSource,
                "SELECT count(*) FROM " + SCHEMA + ".effect WHERE queue = ? AND attempt = " + attempt, queue) == 1);
    }

    private long effects(String queue) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".effect WHERE queue = ?", queue);
    }

    private boolean ready(String channel) {
        return ChannelHealth.ready(connector, channel);
    }

    /** A service whose transaction ends with a checked exception on the first attempt, before writing. */
    @ApplicationScoped
    static class Ledger {
        @Inject
        AgroalDataSource dataSource;

        @Transactional
        void record(String queue, String id, int attempt) throws Exception {
            if (attempt == 1) {
                throw new Exception("refused before writing");
            }
            Handlers.write(dataSource, queue, id, attempt);
        }
    }

    @ApplicationScoped
    static class Handlers {
        @Inject
        AgroalDataSource dataSource;
        @Inject
        @DataSource("unreachable")
        AgroalDataSource unreachable;
        @Inject
        @Channel("to-before")
        Emitter<String> toBefore;
        @Inject
        @Channel("to-after")
        Emitter<String> toAfter;
        @Inject
        @Channel("to-fault")
        Emitter<String> toFault;
        @Inject
        @Channel("to-payments")
        Emitter<String> toPayments;
        @Inject
        @Channel("to-orders")
        Emitter<Object> toOrders;
        @Inject
        @Channel("to-nested")
        Emitter<String> toNested;
        @Inject
        Ledger ledger;

        /** Not transactional itself: the transaction that acks the message is the service's. */
        @Incoming("nested")
        @Blocking
        void nested(String id, IncomingQueueMetadata metadata) throws Exception {
            ledger.record("nested", id, metadata.attempt());
        }

        void send(String channel, String payload) {
            switch (channel) {
                case "before" -> toBefore.send(payload);
                case "after" -> toAfter.send(payload);
                case "fault" -> toFault.send(payload);
                case "nested" -> toNested.send(payload);
                default -> toPayments.send(payload);
            }
        }

        @Incoming("before")
        @Transactional
        void before(String id, IncomingQueueMetadata metadata) throws Exception {
            if (metadata.attempt() == 1) {
                throw new Exception("refused before writing");
            }
            write("before", id, metadata.attempt());
        }

        @Incoming("after")
        @Transactional
        void after(String id, IncomingQueueMetadata metadata) throws Exception {
            write("after", id, metadata.attempt());
            if (metadata.attempt() == 1) {
                throw new Exception("refused after writing");
            }
        }

        @Incoming("fault")
        @Transactional
        void fault(String id, IncomingQueueMetadata metadata) throws SQLException {
            if (metadata.attempt() == 1) {
                try (Connection connection = unreachable.getConnection()) {
                    throw new IllegalStateException("connected to a port where nothing listens");
                }
            }
            write("fault", id, metadata.attempt());
        }

        @Incoming("payments")
        @Transactional
        void pay(String id) throws Exception {
            throw new Exception("refused " + id);
        }

        /** An order, and a message that cannot be written as JSON: the failed send is not awaited. */
        @Transactional
        void placeWithAnUnwritableMessage(String id) {
            write("orders", id, 0);
            toOrders.send(new Object());
        }

        private void write(String queue, String id, int attempt) {
            write(dataSource, queue, id, attempt);
        }

        static void write(AgroalDataSource dataSource, String queue, String id, int attempt) {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(
                            "INSERT INTO " + SCHEMA + ".effect VALUES (?, ?, ?)")) {
                statement.setString(1, queue);
                statement.setString(2, id);
                statement.setInt(3, attempt);
                statement.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
