package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/** Two channels compete for one queue: every message is delivered and acked exactly once. */
class CompetingConsumersTest {

    static final String SCHEMA = "competing_consumers_test";
    static final int MESSAGES = 10_000;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Workers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.jobs.queue", "work")
            .overrideConfigKey("mp.messaging.incoming.worker-a.queue", "work")
            .overrideConfigKey("mp.messaging.incoming.worker-b.queue", "work");

    @Inject
    Workers workers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void everyMessageIsDeliveredAndAckedExactlyOnce() {
        for (int i = 0; i < MESSAGES; i++) {
            workers.send(i);
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> workers.deliveries() >= MESSAGES);
        // the acks are flushed in batches just after the handlers return
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "work") == 0);

        // beans are reached through their client proxy: read their state through methods only
        Map<Integer, AtomicInteger> seen = workers.seen();
        assertEquals(MESSAGES, seen.size(), "distinct messages received");
        assertTrue(seen.values().stream().allMatch(n -> n.get() == 1), "a message was delivered twice");
        assertEquals(MESSAGES, workers.deliveries());
        int[] split = workers.split();
        assertTrue(split[0] > 0 && split[1] > 0, "both consumers should have taken part: a=" + split[0] + " b=" + split[1]);
    }

    @ApplicationScoped
    static class Workers {
        final Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
        final AtomicInteger deliveries = new AtomicInteger();
        final AtomicInteger byA = new AtomicInteger();
        final AtomicInteger byB = new AtomicInteger();

        @Inject
        @Channel("jobs")
        Emitter<Integer> jobs;

        Map<Integer, AtomicInteger> seen() {
            return seen;
        }

        int deliveries() {
            return deliveries.get();
        }

        int[] split() {
            return new int[] { byA.get(), byB.get() };
        }

        void send(int job) {
            jobs.send(job);
        }

        @Incoming("worker-a")
        @Blocking
        void a(int job) {
            record(job);
            byA.incrementAndGet();
        }

        @Incoming("worker-b")
        @Blocking
        void b(int job) {
            record(job);
            byB.incrementAndGet();
        }

        private void record(int job) {
            seen.computeIfAbsent(job, k -> new AtomicInteger()).incrementAndGet();
            deliveries.incrementAndGet();
        }
    }
}
