package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.StoredRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The out-of-order commit race: 8 producers append in transactions that stay open for a random
 * while after their append (and a tenth of them roll back), so commits come in every order; two
 * readers follow every partition while it happens, each from offset 0. Each must see every
 * committed record exactly once, none rolled back, with dense offsets in partition order: a
 * reader never skips a record that committed after a later one was visible, nor one of a batch it
 * read part of.
 */
class LogOffsetsRaceTest {

    static final String SCHEMA = "log_race_test";
    static final int PRODUCERS = 8;
    static final int PARTITIONS = 4;
    static final int RECORDS = 100_000;
    static final int PER_TRANSACTION = 50;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.datasource.jdbc.max-size", "20");

    @Inject
    AgroalDataSource dataSource;

    @Test
    void readersSeeEveryCommittedRecordOnceInOffsetOrder() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.createTopic(dataSource, "race", PARTITIONS, null);

        Set<String> committed = ConcurrentHashMap.newKeySet();
        Set<String> rolledBack = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean producing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + 2);
        List<Future<?>> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            producers.add(pool.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (committed.size() < RECORDS) {
                    List<NewRecord> batch = new ArrayList<>();
                    List<String> ids = new ArrayList<>();
                    // one partition, or all of them: transactions overlap on some partitions and not others
                    boolean spread = random.nextBoolean();
                    int partition = random.nextInt(PARTITIONS);
                    for (int i = 0; i < PER_TRANSACTION; i++) {
                        String id = "r" + next.getAndIncrement();
                        ids.add(id);
                        batch.add(new NewRecord(spread ? i % PARTITIONS : partition, null, "text/plain", null,
                                id.getBytes(StandardCharsets.UTF_8), null));
                    }
                    try (Connection connection = dataSource.getConnection()) {
                        connection.setAutoCommit(false);
                        store.append(connection, topic, batch, null, null);
                        // the commit comes a random while after the append, in any order with the others
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(3000)));
                        if (random.nextInt(10) == 0) {
                            connection.rollback();
                            rolledBack.addAll(ids);
                        } else {
                            connection.commit();
                            committed.addAll(ids);
                        }
                    }
                }
                return null;
            }));
        }
        List<Future<List<String>>> readers = new ArrayList<>();
        // one reader takes up to 500 records of a partition a time, the other 7: it starts most of its
        // reads in the middle of a batch (an append stores each partition's records as one)
        for (int limit : new int[] { 500, 7 }) {
            readers.add(pool.submit(() -> read(store, topic, producing, committed, limit)));
        }
        for (Future<?> producer : producers) {
            producer.get(5, TimeUnit.MINUTES);
        }
        producing.set(false);
        for (Future<List<String>> reader : readers) {
            List<String> seen = reader.get(5, TimeUnit.MINUTES);
            assertEquals(committed.size(), seen.size(), "the reader saw as many records as were committed");
            assertEquals(committed, Set.copyOf(seen), "the reader saw exactly the committed records, each once");
        }
        pool.shutdown();
        assertTrue(committed.size() >= RECORDS);
        assertTrue(!rolledBack.isEmpty(), "some transactions rolled back");
    }

    /** Follows every partition from offset 0 until the producers are done and everything committed was read. */
    private List<String> read(LogStore store, Topic topic, AtomicBoolean producing, Set<String> committed, int limit)
            throws Exception {
        long[] positions = new long[PARTITIONS];
        int[] partitions = new int[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            partitions[p] = p;
        }
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (producing.get() || seen.size() < committed.size()) {
            assertTrue(System.nanoTime() < deadline, "the reader fell behind for five minutes");
            List<StoredRecord> records = store.fetch(dataSource, topic, partitions, positions, limit);
            if (records.isEmpty()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // poll again shortly
            }
            for (StoredRecord record : records) {
                // dense offsets, in order: the next record of a partition is always at its position
                assertEquals(positions[record.partition()], record.offset(), "offset of partition " + record.partition());
                positions[record.partition()]++;
                seen.add(new String(record.payload(), StandardCharsets.UTF_8));
            }
        }
        return seen;
    }
}
