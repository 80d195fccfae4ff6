package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * The message table's rotating slots (see rotate_queue_slots in the schema baseline,
 * V1__baseline.sql): a drained slot is truncated even while another transaction holds the xmin
 * horizon, messages that outlive their slot are moved rather than lost, leased ones stay put for
 * their ack, and consumers racing the rotation lose or repeat nothing.
 */
class SlotRotationTest {

    static final String SCHEMA = "slot_rotation_test";
    static final int RACED_MESSAGES = 20_000;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Worker.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.raced.concurrency", "2")
            .overrideConfigKey("mp.messaging.incoming.raced.prefetch", "50");

    @Inject
    AgroalDataSource dataSource;
    @Inject
    Worker worker;

    @Test
    void drainedSlotsAreTruncatedUnderAHeldHorizonAndLongLivedMessagesMoved() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        try (Connection horizon = dataSource.getConnection()) {
            // a transaction that keeps its snapshot: vacuum can remove nothing deleted after it began
            horizon.setAutoCommit(false);
            horizon.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            horizon.createStatement().execute("SELECT count(*) FROM pg_class");

            long firstGeneration = generation();
            int firstSlot = slot();
            try (Connection connection = dataSource.getConnection()) {
                store.send(connection, List.of(new NewMessage("later", null, null, "text/plain", null,
                        "in an hour".getBytes(StandardCharsets.UTF_8), 0, Duration.ofHours(1), null, null, null)),
                        Duration.ofMinutes(5), false);
            }
            TestQueues.send(store, dataSource, "held", "kept leased");
            ClaimedMessage leased = store.claim(dataSource, "held", 1, Duration.ofHours(1), null, false, "").get(0);
            churn(store, "flow", 2000);
            assertTrue(slotBytes(firstSlot) > 64 * 1024, "the churn left dead tuples behind");

            // past 8 kB the current slot is full; the next one is empty, so it takes over at once
            assertFalse(rotate(8192, 1000));
            assertEquals(firstGeneration + 1, generation());
            int secondSlot = slot();
            churn(store, "flow", 200);
            assertFalse(rotate(8192, 1000));
            assertEquals(firstGeneration + 2, generation());
            int thirdSlot = slot();
            churn(store, "flow", 200);
            // the first slot is next in line: its delayed message moves, the leased one stays
            rotate(8192, 1000);
            assertEquals(thirdSlot, slotOf("later"), "the delayed message moved to the current slot");
            assertEquals(firstSlot, slotOf("held"), "the leased message stays where its ack will look");
            assertEquals(firstGeneration + 2, generation(), "no rotation onto a slot that is not empty");
            assertTrue(slotBytes(firstSlot) > 0, "a slot with a live message is not truncated");
            assertEquals(0, slotBytes(secondSlot), "the drained slot was truncated while the horizon is held");

            assertEquals(1, store.ack(dataSource, new long[] { leased.id() }, new long[] { leased.leaseToken() }, false));
            rotate(8192, 1000);
            assertEquals(0, slotBytes(firstSlot), "once acked, its slot is truncated too");
            assertEquals(firstGeneration + 3, generation(), "and takes its turn again");
            assertEquals(firstSlot, slot());
            assertEquals(1, Rows.count(dataSource, SCHEMA, "later"), "nothing was lost on the way");
            horizon.rollback();
        }
    }

    @Test
    void consumersRacingTheRotationGetEveryMessageOnce() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        long firstGeneration = generation();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicReference<Throwable> rotationFailure = new AtomicReference<>();
        // rotates as fast as it can, with a tiny size, so that rows move under the consumers' claims
        Thread rotation = new Thread(() -> {
            while (sending.get() || worker.seen().size() < RACED_MESSAGES) {
                try {
                    rotate(8 * 1024, 100);
                } catch (Throwable e) {
                    rotationFailure.set(e);
                    return;
                }
            }
        });
        rotation.start();
        try (Connection connection = dataSource.getConnection()) {
            for (int batch = 0; batch < RACED_MESSAGES / 100; batch++) {
                // a backlog of at most 2,000: the sends go on for as long as the consumers work,
                // and the rotation keeps finding waiting messages in the slot next in line
                int sent = batch * 100;
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(2))
                        .until(() -> worker.seen().size() >= sent - 2000);
                List<NewMessage> messages = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    messages.add(new NewMessage("raced", null, "text/plain", null,
                            ("m-" + (batch * 100 + i)).getBytes(StandardCharsets.UTF_8)));
                }
                store.send(connection, messages, Duration.ofMinutes(5), true);
            }
        } finally {
            sending.set(false);
        }
        await().atMost(Duration.ofMinutes(3)).until(() -> worker.seen().size() == RACED_MESSAGES
                || rotationFailure.get() != null);
        rotation.join(10_000);
        assertEquals(null, rotationFailure.get());
        assertTrue(worker.seen().values().stream().allMatch(n -> n.get() == 1), "a message was delivered twice");
        assertTrue(generation() - firstGeneration >= 10, "the slots rotated " + (generation() - firstGeneration)
                + " times");
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "raced") == 0);
    }

    @Test
    void aStepThatWaitsTooLongForALockIsTriedAgainRatherThanFailing() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        int waitingSlot = slot();
        TestQueues.send(store, dataSource, "waiting", "in a slot another transaction locked");
        Rows.queryLong(dataSource, "SELECT nextval(?::regclass)", SCHEMA + ".queue_generation_seq");
        try (Connection locker = dataSource.getConnection()) {
            // what an autovacuum truncating the slot's empty tail does for a moment
            locker.setAutoCommit(false);
            locker.createStatement().execute("LOCK TABLE " + SCHEMA + ".queue_message_s" + waitingSlot
                    + " IN ACCESS EXCLUSIVE MODE");
            assertTrue(rotate(Long.MAX_VALUE, 100), "the step asks to be tried again soon");
            locker.rollback();
        }
        assertFalse(rotate(Long.MAX_VALUE, 100), "with the lock gone, the step sees a slot in use and is done");
        ClaimedMessage waiting = store.claim(dataSource, "waiting", 1, Duration.ofMinutes(1), null, false, "").get(0);
        assertEquals(1, store.ack(dataSource, new long[] { waiting.id() }, new long[] { waiting.leaseToken() }, false));
    }

    /** Sends and acks n messages through the queue, leaving 2n dead tuples. */
    private void churn(QueueStore store, String queue, int n) throws SQLException {
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            payloads[i] = "x".repeat(100) + i;
        }
        TestQueues.send(store, dataSource, queue, payloads);
        List<ClaimedMessage> claimed = store.claim(dataSource, queue, n, Duration.ofMinutes(1), null, false, "");
        assertEquals(n, claimed.size());
        assertEquals(n, store.ack(dataSource, claimed.stream().mapToLong(ClaimedMessage::id).toArray(),
                claimed.stream().mapToLong(ClaimedMessage::leaseToken).toArray(), false));
    }

    /**
     * One rotation step. It first waits for the step the application's own storage sweeper may be
     * taking meanwhile: steps take turns through an advisory lock, and one that finds it taken skips
     * its turn, which would leave this test's step undone. A transaction may take the lock twice.
     */
    private boolean rotate(long rotateBytes, int moveLimit) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement turn = connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))");
                    PreparedStatement statement = connection.prepareStatement(
                            "SELECT " + SCHEMA + ".rotate_queue_slots(?, ?)")) {
                turn.setString(1, SCHEMA + ".rotate_queue_slots");
                turn.execute();
                statement.setLong(1, rotateBytes);
                statement.setInt(2, moveLimit);
                boolean retry;
                try (var rs = statement.executeQuery()) {
                    rs.next();
                    retry = rs.getBoolean(1);
                }
                connection.commit();
                return retry;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private long generation() {
        return Rows.queryLong(dataSource, "SELECT last_value FROM " + SCHEMA + ".queue_generation_seq", null);
    }

    private int slot() {
        return (int) (generation() % 3);
    }

    private int slotOf(String queue) {
        return (int) Rows.queryLong(dataSource, "SELECT slot FROM " + SCHEMA + ".queue_message WHERE queue = ?", queue);
    }

    private long slotBytes(int slot) {
        return Rows.queryLong(dataSource, "SELECT pg_relation_size(?::regclass)", SCHEMA + ".queue_message_s" + slot);
    }

    @ApplicationScoped
    static class Worker {
        private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

        @Incoming("raced")
        @Blocking
        void consume(String message) {
            seen.computeIfAbsent(message, m -> new AtomicInteger()).incrementAndGet();
        }

        Map<String, AtomicInteger> seen() {
            return seen;
        }
    }
}
