package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * A topic handler's transaction commits the record's offset: a handler that writes then throws
 * leaves no write and its record uncommitted; once a handler's transaction committed, the group's
 * offset is past its record before the handler even returns (the channel's own commits are an hour
 * apart here).
 */
class LogExactlyOnceTest {

    static final String SCHEMA = "log_exactly_once_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.payments-out.topic", "payments")
            .overrideConfigKey("mp.messaging.incoming.payments.topic", "payments")
            .overrideConfigKey("mp.messaging.incoming.payments.group.id", "ledger")
            .overrideConfigKey("mp.messaging.incoming.payments.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.payments.commit-interval", "1h")
            .overrideConfigKey("mp.messaging.outgoing.confirmations-out.topic", "confirmations")
            .overrideConfigKey("mp.messaging.incoming.confirmations.topic", "confirmations")
            .overrideConfigKey("mp.messaging.incoming.confirmations.group.id", "ledger")
            .overrideConfigKey("mp.messaging.incoming.confirmations.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.confirmations.commit-interval", "1h");

    @Inject
    Handlers handlers;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    PostgresMessaging messaging;

    @Test
    void aHandlerThatWritesThenThrowsLeavesNoWriteAndItsOffsetUncommitted() throws Exception {
        handlers.createLedger();
        handlers.pay("ok-1");
        handlers.pay("fail-1");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.failed().getCount() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> committed("payments") == 1L);
        assertEquals(1, ledger("ok-1"));
        assertEquals(0, ledger("fail-1"), "the failed handler's write rolled back");
        assertEquals(1L, committed("payments"), "the group's offset stops at the failed record (offset 1)");
    }

    @Test
    void onceTheTransactionCommittedTheOffsetIsPastTheRecordBeforeTheHandlerReturns() throws Exception {
        handlers.createLedger();
        handlers.confirm("confirm-1");
        assertEquals(true, handlers.committed().await(20, TimeUnit.SECONDS), "the handler committed");
        assertEquals(1L, committed("confirmations"), "the handler's transaction committed offset 0 + 1");
        assertEquals(1, ledger("confirm-1"));
        handlers.finish().countDown();
    }

    private Long committed(String topic) {
        return messaging.lag("ledger", topic).get(0).committedOffset();
    }

    private long ledger(String entry) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT count(*) FROM " + SCHEMA + ".ledger WHERE entry = ?")) {
            statement.setString(1, entry);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @ApplicationScoped
    static class Handlers {
        @Inject
        AgroalDataSource dataSource;
        @Inject
        @Channel("payments-out")
        Emitter<String> payments;
        @Inject
        @Channel("confirmations-out")
        Emitter<String> confirmations;
        private final CountDownLatch failed = new CountDownLatch(1);
        private final CountDownLatch committed = new CountDownLatch(1);
        private final CountDownLatch finish = new CountDownLatch(1);

        void pay(String payment) {
            payments.send(payment);
        }

        void confirm(String confirmation) {
            confirmations.send(confirmation);
        }

        @Incoming("payments")
        @Transactional
        void onPayment(String payment, IncomingLogMetadata<String> metadata) {
            write(payment);
            if (payment.startsWith("fail")) {
                failed.countDown();
                throw new IllegalStateException("refused");
            }
        }

        @Incoming("confirmations")
        @Blocking
        void onConfirmation(String confirmation) throws InterruptedException {
            QuarkusTransaction.requiringNew().run(() -> write(confirmation));
            committed.countDown();
            finish.await(20, TimeUnit.SECONDS);
        }

        void createLedger() throws SQLException {
            try (Connection connection = dataSource.getConnection()) {
                connection.createStatement().execute("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".ledger (entry text)");
            }
        }

        private void write(String entry) {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(
                            "INSERT INTO " + SCHEMA + ".ledger VALUES (?)")) {
                statement.setString(1, entry);
                statement.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        CountDownLatch failed() {
            return failed;
        }

        CountDownLatch committed() {
            return committed;
        }

        CountDownLatch finish() {
            return finish;
        }
    }
}
