package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * A handler's transaction acks its message: its writes and the ack commit together. A handler that
 * writes then throws leaves no write and gets the message again; once its transaction committed,
 * the message is gone before the handler even returns; and a handler whose lease was lost (the
 * message went to another consumer) cannot commit its writes.
 */
class ExactlyOnceTest {

    static final String SCHEMA = "exactly_once_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.payments.retry-initial-delay", "100ms")
            .overrideConfigKey("mp.messaging.incoming.slow.visibility-timeout", "1s")
            .overrideConfigKey("mp.messaging.incoming.slow.max-lease-duration", "1s");

    @Inject
    Handlers handlers;
    @Inject
    AgroalDataSource dataSource;

    static QueueStore store;

    @BeforeAll
    static void ledger() {
        store = new QueueStore(SCHEMA);
    }

    @Test
    void aHandlerThatWritesThenThrowsLeavesNoWriteAndIsRedelivered() throws Exception {
        createLedger();
        TestQueues.send(store, dataSource, "payments", "fail-once-1", "ok-1");
        await().atMost(Duration.ofSeconds(20)).until(() -> ledger("fail-once-1") == 1 && ledger("ok-1") == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "payments") == 0);
        assertEquals(List.of(2), handlers.committedAttempts("fail-once-1"), "only the second attempt's write committed");
        assertEquals(1, ledger("fail-once-1"));
        assertEquals(1, ledger("ok-1"));
    }

    @Test
    void onceTheTransactionCommittedTheMessageIsGoneBeforeTheHandlerReturns() throws Exception {
        createLedger();
        TestQueues.send(store, dataSource, "confirmations", "confirm-1");
        assertEquals(true, handlers.committed().await(20, TimeUnit.SECONDS), "the handler committed");
        // the handler has not returned yet (nothing acked the usual way): the commit deleted the message
        assertEquals(0, Rows.count(dataSource, SCHEMA, "confirmations"));
        assertEquals(1, ledger("confirm-1"));
        handlers.finish().countDown();
    }

    @Test
    void aHandlerWhoseLeaseWasLostCannotCommit() throws Exception {
        createLedger();
        TestQueues.send(store, dataSource, "slow", "slow-1");
        assertEquals(true, handlers.slowStarted().await(20, TimeUnit.SECONDS));
        // another consumer takes the message once the handler's lease ran out (max-lease-duration 1s)
        ClaimedMessage stolen = await().atMost(Duration.ofSeconds(20)).until(
                () -> store.claim(dataSource, "slow", 1, Duration.ofMinutes(5), null, false, ""), c -> !c.isEmpty()).get(0);
        assertEquals(2, stolen.attempt());
        handlers.slowRelease().countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.slowOutcome() != null);
        assertEquals("rolled back", handlers.slowOutcome());
        assertEquals(0, ledger("slow-1"), "the first handler's write did not commit");
        assertEquals(1, Rows.count(dataSource, SCHEMA, "slow"), "the message stays with its current delivery");
    }

    private void createLedger() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.createStatement().execute("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".ledger (entry text, attempt int)");
        }
    }

    private long ledger(String entry) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".ledger WHERE entry = ?", entry);
    }

    @ApplicationScoped
    static class Handlers {
        @Inject
        AgroalDataSource dataSource;
        private final CountDownLatch committed = new CountDownLatch(1);
        private final CountDownLatch finish = new CountDownLatch(1);
        private final CountDownLatch slowStarted = new CountDownLatch(1);
        private final CountDownLatch slowRelease = new CountDownLatch(1);
        private volatile String slowOutcome;

        @Incoming("payments")
        @Transactional
        void pay(String payment, IncomingQueueMetadata metadata) {
            write(payment, metadata.attempt());
            if (payment.startsWith("fail-once") && metadata.attempt() == 1) {
                throw new IllegalStateException("refused on the first attempt");
            }
        }

        @Incoming("confirmations")
        @Blocking
        void confirm(String confirmation, IncomingQueueMetadata metadata) throws InterruptedException {
            QuarkusTransaction.requiringNew().run(() -> write(confirmation, metadata.attempt()));
            committed.countDown();
            finish.await(20, TimeUnit.SECONDS);
        }

        @Incoming("slow")
        @Blocking
        void slow(String entry, IncomingQueueMetadata metadata) throws InterruptedException {
            if (metadata.attempt() > 1) {
                return;
            }
            try {
                QuarkusTransaction.requiringNew().run(() -> {
                    write(entry, metadata.attempt());
                    slowStarted.countDown();
                    try {
                        slowRelease.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                slowOutcome = "committed";
            } catch (RuntimeException e) {
                slowOutcome = "rolled back";
                throw e;
            }
        }

        private void write(String entry, int attempt) {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(
                            "INSERT INTO " + SCHEMA + ".ledger VALUES (?, ?)")) {
                statement.setString(1, entry);
                statement.setInt(2, attempt);
                statement.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        List<Integer> committedAttempts(String entry) {
            List<Integer> attempts = new java.util.ArrayList<>();
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(
                            "SELECT attempt FROM " + SCHEMA + ".ledger WHERE entry = ? ORDER BY attempt")) {
                statement.setString(1, entry);
                try (var rs = statement.executeQuery()) {
                    while (rs.next()) {
                        attempts.add(rs.getInt(1));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return attempts;
        }

        CountDownLatch committed() {
            return committed;
        }

        CountDownLatch finish() {
            return finish;
        }

        CountDownLatch slowStarted() {
            return slowStarted;
        }

        CountDownLatch slowRelease() {
            return slowRelease;
        }

        String slowOutcome() {
            return slowOutcome;
        }
    }
}
