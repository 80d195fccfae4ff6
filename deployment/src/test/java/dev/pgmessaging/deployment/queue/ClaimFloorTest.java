package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionManager;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.ClaimFloor;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A consumer's claims start where its previous claim did (see claim_messages in the schema
 * baseline, V1__baseline.sql), so that they do not walk the index entries that claims and acks left
 * in front of the queue while the xmin horizon is held; and a message that comes in behind that
 * floor is still delivered.
 */
class ClaimFloorTest {

    static final String SCHEMA = "claim_floor_test";
    static final int CONSUMED = 1000;
    static final int CLAIM_SIZE = 100;
    static final String CLAIM_INDEX_ENTRIES_READ = "SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(c.oid)), 0) "
            + "FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            + "WHERE n.nspname = '" + SCHEMA + "' AND c.relkind = 'i' AND c.relname LIKE '%priority_visible_at%'";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Receiver.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.late.poll-interval", "100ms");

    @Inject
    AgroalDataSource dataSource;
    @Inject
    Receiver receiver;
    @Inject
    TransactionManager transactions;

    @Test
    void aClaimFromTheFloorSkipsWhatWasConsumedBeforeIt() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        try (Connection horizon = dataSource.getConnection()) {
            // a transaction that keeps its snapshot: nothing deleted after it began can be cleaned up
            horizon.setAutoCommit(false);
            horizon.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            horizon.createStatement().execute("SELECT count(*) FROM pg_class");

            // a backlog, a second apart, consumed a claim at a time: each leaves dead entries behind
            Rows.execute(dataSource, "INSERT INTO \"" + SCHEMA + "\".queue_message (queue, payload, visible_at) "
                    + "SELECT 'walk', 'x', now() - interval '2 hours' + g * interval '1 second' "
                    + "FROM generate_series(1, " + CONSUMED + ") AS g");
            ClaimFloor floor = new ClaimFloor(Duration.ofHours(1));
            long previous = 0;
            for (int i = 0; i < CONSUMED / CLAIM_SIZE; i++) {
                List<ClaimedMessage> claimed = store.claim(dataSource, "walk", CLAIM_SIZE, Duration.ofMinutes(5), null,
                        false, "", floor, expired -> {
                        });
                assertEquals(CLAIM_SIZE, claimed.size());
                assertTrue(claimed.get(0).id() > previous, "claims go on in FIFO order");
                previous = claimed.get(claimed.size() - 1).id();
                store.ack(dataSource, claimed.stream().mapToLong(ClaimedMessage::id).toArray(),
                        claimed.stream().mapToLong(ClaimedMessage::leaseToken).toArray(), false);
            }
            TestQueues.send(store, dataSource, "walk", "new 1", "new 2");

            long fromHead = claimIndexEntriesRead(store, new ClaimFloor());
            long fromFloor = claimIndexEntriesRead(store, floor);
            assertTrue(fromHead >= CONSUMED, "a claim from the head walks every consumed message: " + fromHead);
            assertTrue(fromFloor < 2 * CLAIM_SIZE, "a claim from the floor walks the last claim's only: " + fromFloor);
            horizon.rollback();
        }
    }

    @Test
    void aDeliverAtInThePastIsNotPutBehindTheFloor() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        TestQueues.send(store, dataSource, "past", "first");
        ClaimFloor floor = new ClaimFloor(Duration.ofHours(1)); // no claim from the head after the first
        List<ClaimedMessage> first = store.claim(dataSource, "past", CLAIM_SIZE, Duration.ofMinutes(5), null, false,
                "", floor, expired -> {
                });
        assertEquals(1, first.size());

        // from a producer whose clock is a minute behind the database's
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, List.of(new NewMessage("past", null, null, "text/plain", null,
                    "second".getBytes(StandardCharsets.UTF_8), 0, Duration.ZERO,
                    Instant.now().minus(Duration.ofMinutes(1)), null, null)), Duration.ofMinutes(5), false);
        }
        List<ClaimedMessage> second = store.claim(dataSource, "past", CLAIM_SIZE, Duration.ofMinutes(5), null, false,
                "", floor, expired -> {
                });
        assertEquals(1, second.size(), "a claim from the floor finds it");
    }

    @Test
    void aMessageThatCommitsBehindTheFloorIsStillDelivered() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        TestQueues.send(store, dataSource, "late", "a", "b", "c");
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().containsAll(Set.of("a", "b", "c")));

        // as if its transaction had begun a minute ago and committed only now: behind the
        // consumer's floor
        Rows.execute(dataSource, "INSERT INTO \"" + SCHEMA + "\".queue_message (queue, content_type, payload, visible_at) "
                + "VALUES ('late', 'text/plain', convert_to('behind', 'UTF8'), now() - interval '1 minute')");
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().contains("behind"));
    }

    /**
     * How many entries of the claim index a claim of the two new messages reads, counted in its
     * own transaction (a session's counts of its transactions are flushed only now and then, so the
     * claim's share is the difference).
     */
    private long claimIndexEntriesRead(QueueStore store, ClaimFloor floor) throws Exception {
        transactions.begin();
        try {
            long before = Rows.queryLong(dataSource, CLAIM_INDEX_ENTRIES_READ);
            List<ClaimedMessage> claimed = store.claim(dataSource, "walk", CLAIM_SIZE, Duration.ofMinutes(5), null,
                    false, "", floor, expired -> {
                    });
            assertEquals(2, claimed.size(), "both new messages are claimed");
            return Rows.queryLong(dataSource, CLAIM_INDEX_ENTRIES_READ) - before;
        } finally {
            transactions.rollback(); // the next claim finds the same two messages
        }
    }

    @ApplicationScoped
    static class Receiver {

        private final Set<String> received = ConcurrentHashMap.newKeySet();

        Set<String> received() {
            return received;
        }

        @Incoming("late")
        void receive(String payload) {
            received.add(payload);
        }
    }
}
