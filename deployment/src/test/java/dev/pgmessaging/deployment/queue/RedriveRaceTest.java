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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.MessageSelection;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.QueuedMessage;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Redrive raced against running consumers, on their own connections: 3,000 dead letters that a
 * consumer of the dead-letter queue is taking (slowly, so that many are in flight) while four
 * threads redrive them (mostly ids drawn from the head of the queue, which the consumer holds in
 * flight; sometimes by header, or all) and two consumers of the origin queue take what comes back. Every message is handled exactly once, by one side or the other:
 * none lost, none handled twice (no handler here outlives its visibility timeout, so none may be
 * delivered again).
 */
class RedriveRaceTest {

    static final String SCHEMA = "redrive_race_test";
    static final int MESSAGES = 3_000;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.datasource.jdbc.max-size", "30")
            .overrideConfigKey("mp.messaging.incoming.origin-a.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.origin-b.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.letters.queue", "orders.dlq")
            .overrideConfigKey("mp.messaging.incoming.letters.claim-size", "20")
            .overrideConfigKey("mp.messaging.connector.postgres.poll-interval", "100ms");

    @Inject
    Handlers handlers;
    @Inject
    PostgresMessaging messaging;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void everyDeadLetterIsHandledOnceWhateverTheRedrivesRacingTheConsumers() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        try (Connection connection = dataSource.getConnection()) {
            List<NewMessage> letters = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                letters.add(new NewMessage("orders.dlq", null, "text/plain",
                        "{\"dead-letter-queue\":\"orders\",\"dead-letter-reason\":\"boom\",\"shard\":\"" + (i % 4) + "\"}",
                        ("m" + i).getBytes(StandardCharsets.UTF_8)));
            }
            store.send(connection, letters, Duration.ofMinutes(5), true);
        }

        // the dead-letter queue's consumer is busy before the redrives start
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.byLetters().size() >= 100);
        AtomicBoolean racing = new AtomicBoolean(true);
        AtomicInteger redriven = new AtomicInteger();
        ExecutorService redrivers = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int kind = r;
            futures.add(redrivers.submit(() -> {
                while (racing.get()) {
                    // mostly a few ids from the head of the dead-letter queue, in flight or not; now and then a
                    // header selection, or everything
                    int draw = ThreadLocalRandom.current().nextInt(20);
                    MessageSelection selection;
                    if (draw == 0) {
                        selection = MessageSelection.all();
                    } else if (draw < 4) {
                        selection = MessageSelection.withHeaders(Map.of("shard", String.valueOf(kind)));
                    } else {
                        List<Long> head = new ArrayList<>(messaging.peek("orders.dlq", 0, 200).stream()
                                .map(QueuedMessage::id).toList());
                        java.util.Collections.shuffle(head);
                        selection = MessageSelection.ids(head.subList(0, Math.min(25, head.size())));
                    }
                    Map<String, Integer> moved = messaging.redrive("orders.dlq", selection);
                    redriven.addAndGet(moved.getOrDefault("orders", 0));
                    Thread.sleep(ThreadLocalRandom.current().nextInt(50, 150));
                }
                return null;
            }));
        }
        try {
            await().atMost(Duration.ofMinutes(3)).until(() -> handlers.total() >= MESSAGES);
        } finally {
            racing.set(false);
            redrivers.shutdown();
            assertTrue(redrivers.awaitTermination(30, TimeUnit.SECONDS));
        }
        for (Future<?> future : futures) {
            future.get(); // a redrive that failed fails the test
        }
        // a message delivered a second time would arrive within these two seconds, and show below
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> handlers.total() >= MESSAGES);

        Map<String, Integer> seen = new ConcurrentHashMap<>();
        handlers.byOrigin().forEach((payload, count) -> seen.merge(payload, count.get(), Integer::sum));
        handlers.byLetters().forEach((payload, count) -> seen.merge(payload, count.get(), Integer::sum));
        assertEquals(MESSAGES, seen.size(), "none lost");
        assertEquals(List.of(), seen.entrySet().stream().filter(e -> e.getValue() != 1).map(Map.Entry::getKey).toList(),
                "none handled twice");
        assertEquals(redriven.get(), handlers.byOrigin().size(), "what the redrives moved is what the origin's consumers got");
        assertTrue(handlers.byOrigin().size() > 0 && handlers.byLetters().size() > 0,
                "both sides took part: " + handlers.byOrigin().size() + " redriven, " + handlers.byLetters().size()
                        + " consumed from the dead-letter queue");
        assertEquals(List.of(), messaging.queues().stream().filter(q -> q.total() > 0).toList(), "nothing left");
        System.out.printf("%d redriven and handled on the origin queue, %d handled from the dead-letter queue%n",
                handlers.byOrigin().size(), handlers.byLetters().size());
    }

    @ApplicationScoped
    static class Handlers {
        final Map<String, AtomicInteger> byOrigin = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> byLetters = new ConcurrentHashMap<>();

        Map<String, AtomicInteger> byOrigin() {
            return byOrigin;
        }

        Map<String, AtomicInteger> byLetters() {
            return byLetters;
        }

        int total() {
            return byOrigin.values().stream().mapToInt(AtomicInteger::get).sum()
                    + byLetters.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        @Incoming("origin-a")
        void a(String payload) {
            byOrigin.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
        }

        @Incoming("origin-b")
        void b(String payload) {
            byOrigin.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
        }

        /** Slow, so that many dead letters are in flight while the redrives run. */
        @Incoming("letters")
        void letters(String payload) throws InterruptedException {
            Thread.sleep(5);
            byLetters.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
        }
    }
}
