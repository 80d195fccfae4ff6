package dev.pgmessaging.deployment.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.transaction.UserTransaction;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Which commits wait for the WAL flush. The consumer's statements on leases commit without it;
 * an ack made in the handler's transaction leaves that transaction as durable as the application
 * made it. Each statement runs here inside a transaction (rolled back) so that the setting it
 * leaves for the commit can be read.
 */
class CommitDurabilityTest {

    static final String SCHEMA = "commit_durability_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    @Inject
    AgroalDataSource dataSource;
    @Inject
    UserTransaction transaction;

    @Test
    void theConsumersStatementsOnLeasesCommitWithoutFlush() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        store.maintainArchive(dataSource, Duration.ofDays(1));
        TestQueues.send(store, dataSource, "jobs", "a", "b", "c", "d", "e");
        assertEquals("off", commitSetting(() -> store.claim(dataSource, "jobs", 1, Duration.ofMinutes(1), null, false, "")));
        List<ClaimedMessage> claimed = store.claim(dataSource, "jobs", 4, Duration.ofMinutes(1), null, false, "");
        assertEquals(4, claimed.size());
        long[] ids = claimed.stream().mapToLong(ClaimedMessage::id).toArray();
        long[] tokens = claimed.stream().mapToLong(ClaimedMessage::leaseToken).toArray();

        assertEquals("off", commitSetting(() -> store.ack(dataSource, ids, tokens, false)));
        assertEquals("off", commitSetting(() -> store.ack(dataSource, ids, tokens, true)));
        assertEquals("off", commitSetting(() -> store.extend(dataSource, ids, tokens, Duration.ofMinutes(1))));
        assertEquals("off", commitSetting(() -> store.release(dataSource, ids, tokens, new double[] { 0, 0, 0, 0 })));
        assertEquals("off", commitSetting(() -> store.deadLetter(dataSource, ids[0], tokens[0], "jobs.dlq",
                new IllegalStateException("rejected"))));
    }

    @Test
    void anAckInTheHandlersTransactionLeavesItsCommitFlushed() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        store.maintainArchive(dataSource, Duration.ofDays(1));
        TestQueues.send(store, dataSource, "orders", "a");
        ClaimedMessage claimed = store.claim(dataSource, "orders", 1, Duration.ofMinutes(1), null, false, "").get(0);
        long[] ids = { claimed.id() };
        long[] tokens = { claimed.leaseToken() };

        assertEquals("on", commitSetting(() -> store.ackInTransaction(dataSource, ids, tokens, false, Duration.ofMinutes(1))));
        assertEquals("on", commitSetting(() -> store.ackInTransaction(dataSource, ids, tokens, true, Duration.ofMinutes(1))));
        assertEquals(1, Rows.count(dataSource, SCHEMA, "orders"), "the transactions were rolled back");
    }

    @FunctionalInterface
    interface Statement {
        Object run() throws SQLException;
    }

    /**
     * Runs the statement in a transaction that starts with {@code synchronous_commit} on, reads the
     * setting the statement leaves for the commit, and rolls back.
     */
    private String commitSetting(Statement statement) throws Exception {
        transaction.begin();
        try {
            // as the server's configuration does by default (the embedded test database does not flush)
            try (Connection connection = dataSource.getConnection()) {
                connection.createStatement().execute("SET LOCAL synchronous_commit = on");
            }
            statement.run();
            try (Connection connection = dataSource.getConnection();
                    ResultSet rs = connection.createStatement().executeQuery("SHOW synchronous_commit")) {
                rs.next();
                return rs.getString(1);
            }
        } finally {
            transaction.rollback();
        }
    }
}
