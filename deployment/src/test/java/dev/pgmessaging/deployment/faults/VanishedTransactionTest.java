package dev.pgmessaging.deployment.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.OwnedPartition;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.schema.SchemaManager;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A handler's transaction that acked its message or committed its record's offset, then went
 * silent (its client vanished without closing: a half-open connection, which the server would not
 * notice for hours) is ended by the server once it stays idle past the channel's limit, and nothing
 * of it commits. Found by a long fault run: such a transaction held its partition's row, every
 * heartbeat of the group waited behind it, and each heartbeat given up by its client left a server
 * backend waiting, until the server ran out of connections.
 */
class VanishedTransactionTest {

    static final String SCHEMA = "vanished_transaction_test";
    static final Duration LIMIT = Duration.ofSeconds(1);

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.messaging.postgres.schema-management", "none");

    @Inject
    AgroalDataSource dataSource;
    @Inject
    TransactionManager transactions;

    @Test
    void aSilentTransactionThatCommittedAnOffsetNoLongerHoldsTheGroupsHeartbeats() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.createTopic(dataSource, "events", 1, null);
        OwnedPartition owned = store.heartbeat(dataSource, "g", topic, "a", Duration.ofSeconds(30), true, false, new int[0])
                .get(0);

        transactions.begin();
        long pid;
        try (Connection connection = dataSource.getConnection()) {
            pid = backendPid(connection);
            assertEquals(List.of(0), store.commitInTransaction(connection, "g", topic, "a", new int[] { 0 },
                    new long[] { 0 }, new long[] { 1 }, new long[] { owned.epoch() }, LIMIT));
        }
        // the handler's thread goes silent here, its transaction open and holding the partition's row
        Transaction silent = transactions.suspend();
        CompletableFuture<List<OwnedPartition>> otherMember = CompletableFuture.supplyAsync(() -> {
            try {
                return store.heartbeat(dataSource, "g", topic, "b", Duration.ofSeconds(30), true, false, new int[0]);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(20)).until(otherMember::isDone);
            otherMember.get(1, TimeUnit.SECONDS);
            assertEquals(0, backends(pid), "the server ended the silent transaction");
        } finally {
            endQuietly(silent);
        }
        assertEquals(0, Rows.queryLong(dataSource, "SELECT committed_offset FROM " + SCHEMA
                + ".consumer_group_partition WHERE group_id = 'g'"), "nothing of it committed");
    }

    @Test
    void aSilentTransactionThatAckedAMessageIsEndedAndTheMessageStays() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        QueueStore store = new QueueStore(SCHEMA);
        store.registerQueue(dataSource, "jobs");
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, List.of(new NewMessage("jobs", null, "text/plain", null,
                    "job".getBytes(StandardCharsets.UTF_8))), Duration.ZERO, false);
        }
        ClaimedMessage claimed = store.claim(dataSource, "jobs", 1, Duration.ofSeconds(30), null, false, "").get(0);

        transactions.begin();
        long pid;
        try (Connection connection = dataSource.getConnection()) {
            pid = backendPid(connection);
        }
        assertEquals(1, store.ackInTransaction(dataSource, new long[] { claimed.id() },
                new long[] { claimed.leaseToken() }, false, LIMIT));
        Transaction silent = transactions.suspend(); // silent from here on
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> backends(pid) == 0);
        } finally {
            endQuietly(silent);
        }
        assertEquals(1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".queue_message WHERE id = "
                + claimed.id()), "the ack did not commit: the message is delivered again after its lease");
    }

    private long backendPid(Connection connection) throws Exception {
        try (var rs = connection.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long backends(long pid) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid);
    }

    /** The transaction's connection was ended by the server: its rollback may fail. */
    private void endQuietly(Transaction silent) {
        try {
            transactions.resume(silent);
            transactions.rollback();
        } catch (Exception e) {
            // ended already
        }
    }
}
