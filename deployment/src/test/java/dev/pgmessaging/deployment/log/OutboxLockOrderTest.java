package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.Record;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The outbox shape that deadlocked: eight threads run short transactions that each send one to
 * five records, keyed and keyless, to a 4-partition topic in whatever order their keys give, do
 * up to 30 ms of work, and commit (one in five rolls back). No transaction fails with a deadlock,
 * and the group receives every committed record exactly once, with dense offsets in every
 * partition. {@code -Doutbox.torture.transactions=10000} makes it the long torture run (about
 * 24,000 committed records).
 */
class OutboxLockOrderTest {

    static final String SCHEMA = "outbox_lock_order_test";
    static final int THREADS = 8;
    static final int TRANSACTIONS = Integer.getInteger("outbox.torture.transactions", 1_200);

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Outbox.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.datasource.jdbc.max-size", "30")
            .overrideConfigKey("mp.messaging.outgoing.events-out.topic", "events")
            .overrideConfigKey("mp.messaging.outgoing.events-out.partitions", "4")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.partitions", "4")
            .overrideConfigKey("mp.messaging.incoming.events.group.id", "audit")
            .overrideConfigKey("mp.messaging.incoming.events.auto.offset.reset", "earliest");

    @Inject
    Outbox outbox;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void transactionsSendingToPartitionsInAnyOrderNeverDeadlock() throws Exception {
        Rows.execute(dataSource, "CREATE TABLE " + SCHEMA + ".produced (id text PRIMARY KEY)");
        AtomicInteger next = new AtomicInteger();
        AtomicInteger rolledBack = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        long started = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            done.add(threads.submit(() -> {
                int n;
                while ((n = next.getAndIncrement()) < TRANSACTIONS) {
                    boolean rollBack = ThreadLocalRandom.current().nextInt(5) == 0;
                    try {
                        outbox.sendInOneTransaction(n, rollBack);
                    } catch (IntendedRollback e) {
                        rolledBack.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }));
        }
        for (Future<?> future : done) {
            future.get(10, TimeUnit.MINUTES);
        }
        threads.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;

        List<String> produced = produced();
        System.out.printf("%d transactions (%d rolled back, %d failed) committed %d records in %.1f s (%.0f/s)%n",
                TRANSACTIONS, rolledBack.get(), failures.size(), produced.size(), seconds, produced.size() / seconds);
        failures.stream().limit(3).forEach(Throwable::printStackTrace);
        assertEquals(0, failures.size(), "transactions failed: " + failures.stream().limit(3).map(Throwable::toString).toList());

        await().atMost(Duration.ofMinutes(2)).until(() -> outbox.received().size() >= produced.size());
        Map<String, Integer> times = new HashMap<>();
        outbox.received().values().forEach(value -> times.merge(value, 1, Integer::sum));
        assertEquals(Set.copyOf(produced), times.keySet(), "the group received exactly the committed records");
        assertTrue(times.values().stream().allMatch(count -> count == 1), "a record was received twice");
        Map<Integer, TreeSet<Long>> offsets = new HashMap<>();
        outbox.received().keySet().forEach(at -> offsets.computeIfAbsent(at.partition(), p -> new TreeSet<>()).add(at.offset()));
        offsets.forEach((partition, seen) -> assertEquals(seen.size() - 1, seen.last(),
                "the offsets of partition " + partition + " are not dense: " + seen.size() + " up to " + seen.last()));
    }

    private List<String> produced() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT id FROM " + SCHEMA + ".produced");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    record At(int partition, long offset) {
    }

    static final class IntendedRollback extends RuntimeException {
        IntendedRollback() {
            super("rolled back on purpose", null, false, false);
        }
    }

    @ApplicationScoped
    static class Outbox {
        @Inject
        @Channel("events-out")
        Emitter<Record<String, String>> events;
        @Inject
        AgroalDataSource dataSource;
        private final Map<At, String> received = new ConcurrentHashMap<>();

        Map<At, String> received() {
            return received;
        }

        /** One to five records, keyed (any of 50 keys) or keyless, then up to 30 ms of work. */
        void sendInOneTransaction(int transaction, boolean rollBack) {
            QuarkusTransaction.requiringNew().run(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int records = 1 + random.nextInt(5);
                for (int i = 0; i < records; i++) {
                    String id = transaction + "-" + i;
                    String key = random.nextInt(5) == 0 ? null : "k" + random.nextInt(50);
                    events.send(Record.of(key, id));
                    Rows.execute(dataSource, "INSERT INTO " + SCHEMA + ".produced VALUES ('" + id + "')");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(31))); // the application's work
                if (rollBack) {
                    throw new IntendedRollback();
                }
            });
        }

        @Incoming("events")
        void receive(String id, IncomingLogMetadata<String> metadata) {
            received.put(new At(metadata.getPartition(), metadata.getOffset()), id);
        }
    }
}
