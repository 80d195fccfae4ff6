package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * 100,000 messages, two competing consumers whose handlers fail 20% of the time, the default
 * strategy (retry with backoff, then dead letter) with max-attempts=3: every message ends exactly
 * once, processed or in the dead-letter queue after its third failure, with its attempts counted
 * 1, 2, 3 in order; none is lost.
 */
class RetryThenDeadLetterTest {

    static final String SCHEMA = "retry_then_dead_letter_test";
    static final int MESSAGES = 100_000;
    static final int MAX_ATTEMPTS = 3;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Workers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.jobs.queue", "work")
            .overrideConfigKey("mp.messaging.connector.postgres.max-attempts", String.valueOf(MAX_ATTEMPTS))
            .overrideConfigKey("mp.messaging.connector.postgres.retry-initial-delay", "10ms")
            .overrideConfigKey("mp.messaging.connector.postgres.retry-max-delay", "50ms")
            .overrideConfigKey("mp.messaging.connector.postgres.poll-interval", "100ms")
            .overrideConfigKey("mp.messaging.incoming.worker-a.queue", "work")
            .overrideConfigKey("mp.messaging.incoming.worker-b.queue", "work")
            // ~25,000 expected handler failures: keep their stack traces out of the build log
            .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF")
            .overrideConfigKey("quarkus.log.category.\"dev.pgmessaging.runtime.queue.Settlements\".level", "OFF");

    @Inject
    Workers workers;
    @Inject
    AgroalDataSource dataSource;

    /** Whether the handler fails this delivery: a fixed pseudo-random 20%, so a failing run can be replayed. */
    static boolean fails(int job, int attempt) {
        long h = (job * 0x9E3779B97F4A7C15L) ^ (attempt * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return Math.floorMod(h, 5) == 0;
    }

    @Test
    void everyMessageEndsExactlyOnceProcessedOrDeadLettered() throws Exception {
        for (int i = 0; i < MESSAGES; i++) {
            workers.send(i);
        }
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1))
                .until(() -> workers.processed().size() + Rows.count(dataSource, SCHEMA, "work.dlq") >= MESSAGES
                        && Rows.count(dataSource, SCHEMA, "work") == 0);

        Map<Integer, String> deadLettered = deadLetters();
        Map<Integer, AtomicInteger> processed = workers.processed();
        Map<Integer, List<Integer>> attempts = workers.attempts();
        int expectedDeadLetters = 0;
        for (int job = 0; job < MESSAGES; job++) {
            int firstSuccess = 0;
            for (int attempt = 1; attempt <= MAX_ATTEMPTS && firstSuccess == 0; attempt++) {
                if (!fails(job, attempt)) {
                    firstSuccess = attempt;
                }
            }
            List<Integer> expectedAttempts = new ArrayList<>();
            for (int attempt = 1; attempt <= (firstSuccess == 0 ? MAX_ATTEMPTS : firstSuccess); attempt++) {
                expectedAttempts.add(attempt);
            }
            assertEquals(expectedAttempts, attempts.get(job), "attempts of job " + job);
            if (firstSuccess == 0) {
                expectedDeadLetters++;
                assertEquals(String.valueOf(MAX_ATTEMPTS), deadLettered.get(job), "dead letter of job " + job);
                assertTrue(!processed.containsKey(job), "job " + job + " both processed and dead-lettered");
            } else {
                assertEquals(1, processed.get(job).get(), "job " + job + " processed once");
                assertTrue(!deadLettered.containsKey(job), "job " + job + " both processed and dead-lettered");
            }
        }
        assertEquals(expectedDeadLetters, deadLettered.size());
        assertEquals(MESSAGES, processed.size() + deadLettered.size(), "none lost");
        int[] split = workers.split();
        assertTrue(split[0] > 0 && split[1] > 0, "both consumers should have taken part");
        System.out.printf("%d processed, %d dead-lettered after %d attempts (consumers: %d / %d deliveries)%n",
                processed.size(), deadLettered.size(), MAX_ATTEMPTS, split[0], split[1]);
    }

    /** job -> its dead-letter-attempts header, for every message in the dead-letter queue. */
    private Map<Integer, String> deadLetters() throws Exception {
        Map<Integer, String> letters = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT convert_from(payload, 'UTF8'), headers ->> "
                        + "'dead-letter-attempts', headers ->> 'dead-letter-queue' FROM \"" + SCHEMA
                        + "\".queue_message WHERE queue = 'work.dlq'");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                assertEquals("work", rs.getString(3));
                String previous = letters.put(Integer.valueOf(rs.getString(1)), rs.getString(2));
                assertEquals(null, previous, "dead-lettered twice: " + rs.getString(1));
            }
        }
        return letters;
    }

    @ApplicationScoped
    static class Workers {
        final Map<Integer, AtomicInteger> processed = new ConcurrentHashMap<>();
        final Map<Integer, List<Integer>> attempts = new ConcurrentHashMap<>();
        final AtomicInteger byA = new AtomicInteger();
        final AtomicInteger byB = new AtomicInteger();

        @Inject
        @Channel("jobs")
        Emitter<Integer> jobs;

        void send(int job) {
            jobs.send(job);
        }

        Map<Integer, AtomicInteger> processed() {
            return processed;
        }

        Map<Integer, List<Integer>> attempts() {
            return attempts;
        }

        int[] split() {
            return new int[] { byA.get(), byB.get() };
        }

        @Incoming("worker-a")
        void a(int job, IncomingQueueMetadata metadata) {
            byA.incrementAndGet();
            handle(job, metadata.attempt());
        }

        @Incoming("worker-b")
        void b(int job, IncomingQueueMetadata metadata) {
            byB.incrementAndGet();
            handle(job, metadata.attempt());
        }

        private void handle(int job, int attempt) {
            attempts.computeIfAbsent(job, k -> new CopyOnWriteArrayList<>()).add(attempt);
            if (fails(job, attempt)) {
                throw new IllegalStateException("job " + job + " failed on attempt " + attempt);
            }
            processed.computeIfAbsent(job, k -> new AtomicInteger()).incrementAndGet();
        }
    }
}
