package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.runtime.log.KeyPartitioner;
import dev.pgmessaging.runtime.log.LogConsumerSettings;
import dev.pgmessaging.runtime.log.commit.CommitStrategy;
import dev.pgmessaging.runtime.log.LogSource;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.OwnedPartition;
import dev.pgmessaging.runtime.log.LogStore.StoredRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.vertx.core.Vertx;

/**
 * A 6-partition topic read by two groups of three members: each group processes every record once,
 * in partition order, the partitions balanced two per member; when a member stops, its partitions
 * move to the others within the session timeout, and nothing is processed twice; when a member
 * dies mid-stream (it read records, never committed, stopped heart-beating), the others take its
 * partitions after its session timeout and get exactly the records it had not committed.
 */
class ConsumerGroupTest {

    static final String SCHEMA = "consumer_group_test";
    static final int PARTITIONS = 6;
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.datasource.jdbc.max-size", "30");

    @Inject
    AgroalDataSource dataSource;
    @Inject
    Vertx vertx;

    private final List<LogSource> members = new ArrayList<>();
    /** Per group: how many times each record was processed, and the offsets seen per partition in order. */
    private final Map<String, Map<String, AtomicInteger>> processed = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, List<Long>>> offsets = new ConcurrentHashMap<>();
    private LogStore store;
    private Topic topic;
    private int appended;

    @AfterEach
    void stopMembers() {
        members.forEach(LogSource::stop);
    }

    @Test
    void groupsShareThePartitionsAndHandThemOver() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        store = new LogStore(SCHEMA);
        topic = store.createTopic(dataSource, "events", PARTITIONS, null);
        List<LogSource> a = List.of(member("a"), member("a"), member("a"));
        List<LogSource> b = List.of(member("b"), member("b"), member("b"));

        append(600);
        awaitProcessed("a", 600);
        awaitProcessed("b", 600);
        await().atMost(Duration.ofSeconds(20)).until(() -> a.stream().allMatch(m -> m.ownedPartitions().size() == 2)
                && b.stream().allMatch(m -> m.ownedPartitions().size() == 2));
        assertOnceInOrder("a");
        assertOnceInOrder("b");

        // a member stops: the other two take its partitions within the session timeout, and go on exactly once
        a.get(0).stop();
        long stopped = System.nanoTime();
        await().atMost(SESSION_TIMEOUT).until(() -> a.get(1).ownedPartitions().size() == 3
                && a.get(2).ownedPartitions().size() == 3);
        assertTrue(System.nanoTime() - stopped < SESSION_TIMEOUT.toNanos());
        append(300);
        awaitProcessed("a", 900);
        assertOnceInOrder("a");

        // a member of b dies mid-stream: it joined, got its share, read records and never committed
        String ghost = "ghost";
        Set<Integer> ghostPartitions = new HashSet<>();
        List<OwnedPartition> ghostOwned = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ghostOwned.clear();
            ghostOwned.addAll(store.heartbeat(dataSource, "b", topic, ghost, SESSION_TIMEOUT, true, false, new int[0]));
            // its whole share, once the live members have given it up
            return !ghostOwned.isEmpty() && ghostOwned.stream().allMatch(OwnedPartition::assigned);
        });
        ghostOwned.forEach(p -> ghostPartitions.add(p.partition()));
        assertFalse(ghostPartitions.isEmpty(), "the ghost got a share");
        int before = appended;
        append(300);
        List<String> readByGhost = readWithoutCommitting(ghostOwned);
        assertFalse(readByGhost.isEmpty(), "the ghost read records of its partitions");
        long died = System.nanoTime();
        // no more heartbeats from the ghost: after its session timeout its partitions go to the others
        await().atMost(SESSION_TIMEOUT.multipliedBy(3))
                .until(() -> b.stream().mapToInt(m -> m.ownedPartitions().size()).sum() == PARTITIONS);
        assertTrue(System.nanoTime() - died >= SESSION_TIMEOUT.toNanos() - Duration.ofMillis(700).toNanos(),
                "a live member waits for the session timeout before taking a partition");
        awaitProcessed("b", before + 300);
        // every record, the ghost's included, processed exactly once by the live members: the committed
        // ones were not delivered again, the ones the ghost read without committing were
        assertOnceInOrder("b");
        assertTrue(processed.get("b").keySet().containsAll(readByGhost));
    }

    private LogSource member(String group) {
        LogConsumerSettings settings = new LogConsumerSettings("members-" + group, "events", PARTITIONS, null, group, true,
                SESSION_TIMEOUT, CommitStrategy.THROTTLED, Duration.ofMillis(100), 50, Duration.ofMillis(100),
                Duration.ofSeconds(5), null, String.class, dev.pgmessaging.runtime.log.fault.FailureStrategy.of("fail"), false, false, null, false);
        LogSource source = new LogSource(settings, topic, dataSource, store, new PayloadCodec(new ObjectMapper()), null,
                vertx);
        members.add(source);
        source.stream().subscribe().with(message -> {
            dev.pgmessaging.runtime.api.IncomingLogMetadata<?> metadata = message
                    .getMetadata(dev.pgmessaging.runtime.api.IncomingLogMetadata.class).orElseThrow();
            processed.computeIfAbsent(group, g -> new ConcurrentHashMap<>())
                    .computeIfAbsent((String) message.getPayload(), r -> new AtomicInteger()).incrementAndGet();
            offsets.computeIfAbsent(group, g -> new ConcurrentHashMap<>())
                    .computeIfAbsent(metadata.getPartition(), p -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(metadata.getOffset());
            message.ack();
        });
        return source;
    }

    private void append(int count) throws Exception {
        List<NewRecord> records = new ArrayList<>();
        KeyPartitioner partitioner = new KeyPartitioner();
        for (int i = 0; i < count; i++) {
            byte[] key = ("key-" + (appended + i) % 30).getBytes(StandardCharsets.UTF_8);
            records.add(new NewRecord(partitioner.partition(key, PARTITIONS), key, "text/plain", null,
                    ("r" + (appended + i)).getBytes(StandardCharsets.UTF_8), null));
        }
        try (Connection connection = dataSource.getConnection()) {
            store.append(connection, topic, records, null, null);
        }
        appended += count;
    }

    /** What a member that dies would have done: read its partitions to the end, and commit nothing. */
    private List<String> readWithoutCommitting(List<OwnedPartition> owned) throws Exception {
        int[] partitions = owned.stream().mapToInt(OwnedPartition::partition).toArray();
        long[] positions = owned.stream().mapToLong(OwnedPartition::committedOffset).toArray();
        List<String> read = new ArrayList<>();
        for (StoredRecord record : store.fetch(dataSource, topic, partitions, positions, 10_000)) {
            read.add(new String(record.payload(), StandardCharsets.UTF_8));
        }
        return read;
    }

    private void awaitProcessed(String group, int count) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> processed.getOrDefault(group, Map.of()).size() == count);
    }

    private void assertOnceInOrder(String group) {
        assertTrue(processed.get(group).values().stream().allMatch(n -> n.get() == 1),
                "group " + group + " processed a record twice");
        offsets.get(group).forEach((partition, seen) -> {
            List<Long> copy;
            synchronized (seen) {
                copy = new ArrayList<>(seen);
            }
            for (int i = 0; i < copy.size(); i++) {
                assertEquals((long) i, copy.get(i), "group " + group + " read partition " + partition + " in order");
            }
        });
    }
}
