package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * Per-key FIFO: four consumers of one ordered queue never process two messages of a key at once,
 * see each key's messages in send order, and all take part because there are more keys than
 * consumers. A failing message holds back only its own key, until it is dead-lettered.
 */
class OrderedByKeyTest {

    static final String SCHEMA = "ordered_by_key_test";
    static final int KEYS = 50;
    static final int PER_KEY = 200;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.connector.postgres.ordered-by-key", "true")
            .overrideConfigKey("mp.messaging.incoming.c0.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.c1.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.c2.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.c3.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.retried.max-attempts", "2")
            .overrideConfigKey("mp.messaging.incoming.retried.retry-initial-delay", "2s")
            // nothing but the channel's own claims can deliver within the test's time
            .overrideConfigKey("mp.messaging.incoming.backlog.poll-interval", "10m")
            // more than the keys: a claim gets fewer than it asked for, yet each ack frees a key
            .overrideConfigKey("mp.messaging.incoming.backlog.prefetch", "16");

    @Inject
    Consumers consumers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void eachKeyIsProcessedInOrderOneAtATimeWhileKeysRunInParallel() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        // round-robin over the keys, in batches: key-0/0, key-1/0, ..., key-49/0, key-0/1, ...
        List<NewMessage> batch = new ArrayList<>();
        for (int seq = 0; seq < PER_KEY; seq++) {
            for (int key = 0; key < KEYS; key++) {
                batch.add(new NewMessage("orders", "key-" + key, "text/plain", null,
                        ("key-" + key + ":" + seq).getBytes(StandardCharsets.UTF_8)));
                if (batch.size() == 500) {
                    send(store, batch);
                }
            }
        }
        send(store, batch);

        await().atMost(Duration.ofMinutes(3)).until(() -> consumers.processed() == KEYS * PER_KEY);
        assertEquals(List.of(), consumers.violations());
        Map<String, Integer> last = consumers.lastSeq();
        for (int key = 0; key < KEYS; key++) {
            assertEquals(PER_KEY - 1, last.get("key-" + key), "every message of key-" + key);
        }
        int[] perConsumer = consumers.perConsumer();
        for (int c = 0; c < 4; c++) {
            assertTrue(perConsumer[c] > KEYS * PER_KEY / 20,
                    "consumer " + c + " should have taken a fair part: " + java.util.Arrays.toString(perConsumer));
        }
        assertTrue(consumers.maxConcurrent() >= 3, "consumers ran in parallel: " + consumers.maxConcurrent());
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "orders") == 0);
    }

    @Test
    void aFailingMessageHoldsBackOnlyItsOwnKey() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        List<NewMessage> batch = new ArrayList<>();
        batch.add(new NewMessage("retried", "bad", "text/plain", null, "bad:0".getBytes(StandardCharsets.UTF_8)));
        batch.add(new NewMessage("retried", "bad", "text/plain", null, "bad:1".getBytes(StandardCharsets.UTF_8)));
        batch.add(new NewMessage("retried", "bad", "text/plain", null, "bad:2".getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < 10; i++) {
            batch.add(new NewMessage("retried", "good", "text/plain", null, ("good:" + i).getBytes(StandardCharsets.UTF_8)));
        }
        send(store, batch);

        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.retriedLog().size() == 14);
        List<String> log = consumers.retriedLog();
        // bad:0 fails twice (attempts 1 and 2, two seconds of backoff apart) and is dead-lettered;
        // the good key runs meanwhile; bad:1 and bad:2 follow, in order, only after that
        assertEquals(List.of("bad:0", "bad:0", "bad:1", "bad:2"), log.stream().filter(e -> e.startsWith("bad")).toList());
        int secondFailure = log.lastIndexOf("bad:0");
        assertTrue(log.subList(0, secondFailure).containsAll(
                List.of("good:0", "good:1", "good:2", "good:3", "good:4", "good:5", "good:6", "good:7", "good:8", "good:9")),
                "the good key was not held back by the bad one: " + log);
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "retried.dlq") == 1);
    }

    @Test
    void aBacklogOfFewKeysDrainsWithoutWaitingForThePoll() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        List<NewMessage> batch = new ArrayList<>();
        for (int seq = 0; seq < 20; seq++) {
            for (String key : List.of("a", "b")) {
                batch.add(new NewMessage("backlog", key, "text/plain", null, (key + ":" + seq).getBytes(StandardCharsets.UTF_8)));
            }
        }
        // one notification: each claim can take one head per key, and each ack frees the next head
        send(store, batch);
        await().atMost(Duration.ofSeconds(20)).until(() -> consumers.backlog().size() == 40);
        for (String key : List.of("a", "b")) {
            assertEquals(IntStream.range(0, 20).mapToObj(seq -> key + ":" + seq).toList(),
                    consumers.backlog().stream().filter(m -> m.startsWith(key + ":")).toList());
        }
    }

    private void send(QueueStore store, List<NewMessage> batch) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, batch, Duration.ofMinutes(5), true);
        }
        batch.clear();
    }

    @ApplicationScoped
    static class Consumers {
        private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        private final Map<String, Integer> lastSeq = new ConcurrentHashMap<>();
        private final List<String> violations = new CopyOnWriteArrayList<>();
        private final AtomicInteger processed = new AtomicInteger();
        private final AtomicInteger running = new AtomicInteger();
        private final AtomicInteger maxConcurrent = new AtomicInteger();
        private final AtomicInteger[] perConsumer = { new AtomicInteger(), new AtomicInteger(), new AtomicInteger(),
                new AtomicInteger() };
        private final List<String> retriedLog = new CopyOnWriteArrayList<>();
        private final List<String> backlog = new CopyOnWriteArrayList<>();

        @Incoming("c0")
        @Blocking
        void c0(String message) {
            process(0, message);
        }

        @Incoming("c1")
        @Blocking
        void c1(String message) {
            process(1, message);
        }

        @Incoming("c2")
        @Blocking
        void c2(String message) {
            process(2, message);
        }

        @Incoming("c3")
        @Blocking
        void c3(String message) {
            process(3, message);
        }

        @Incoming("backlog")
        void backlog(String message) {
            backlog.add(message);
        }

        List<String> backlog() {
            return backlog;
        }

        @Incoming("retried")
        void retried(String message) {
            retriedLog.add(message);
            if (message.equals("bad:0")) {
                throw new IllegalStateException("cannot process " + message);
            }
        }

        private void process(int consumer, String message) {
            String key = message.substring(0, message.indexOf(':'));
            int seq = Integer.parseInt(message.substring(message.indexOf(':') + 1));
            AtomicInteger keyInFlight = inFlight.computeIfAbsent(key, k -> new AtomicInteger());
            if (keyInFlight.incrementAndGet() > 1) {
                violations.add(message + " processed while another message of its key was");
            }
            maxConcurrent.accumulateAndGet(running.incrementAndGet(), Math::max);
            Integer previous = lastSeq.put(key, seq);
            if (seq != (previous == null ? 0 : previous + 1)) {
                violations.add(message + " came after seq " + previous);
            }
            // a little work, so that handlers overlap
            long until = System.nanoTime() + 200_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            running.decrementAndGet();
            keyInFlight.decrementAndGet();
            perConsumer[consumer].incrementAndGet();
            processed.incrementAndGet();
        }

        int processed() {
            return processed.get();
        }

        List<String> violations() {
            return violations;
        }

        Map<String, Integer> lastSeq() {
            return lastSeq;
        }

        int[] perConsumer() {
            return new int[] { perConsumer[0].get(), perConsumer[1].get(), perConsumer[2].get(), perConsumer[3].get() };
        }

        int maxConcurrent() {
            return maxConcurrent.get();
        }

        List<String> retriedLog() {
            return retriedLog;
        }
    }
}
