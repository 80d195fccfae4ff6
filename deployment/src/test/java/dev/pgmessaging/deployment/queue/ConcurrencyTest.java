package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

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
 * {@code concurrency=3}: three copies of the channel consume its queue (named after the channel, not
 * after the copies), run their blocking handlers in parallel, and deliver every message once.
 */
class ConcurrencyTest {

    static final String SCHEMA = "concurrency_test";
    static final int MESSAGES = 600;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Worker.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.jobs.concurrency", "3")
            .overrideConfigKey("mp.messaging.incoming.jobs.prefetch", "4");

    @Inject
    Worker worker;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void copiesShareTheQueueAndRunInParallel() throws Exception {
        String[] jobs = new String[MESSAGES];
        for (int i = 0; i < MESSAGES; i++) {
            jobs[i] = "job-" + i;
        }
        // one statement, with NOTIFY: the three copies wake up together
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, Arrays.stream(jobs)
                    .map(job -> new NewMessage("jobs", null, "text/plain", null, job.getBytes(StandardCharsets.UTF_8)))
                    .toList(), Duration.ofMinutes(5), true);
        }

        await().atMost(Duration.ofMinutes(1)).until(() -> worker.seen().size() == MESSAGES);
        assertTrue(worker.seen().values().stream().allMatch(n -> n.get() == 1), "a message was delivered twice");
        assertTrue(worker.maxConcurrent() >= 2, "handlers ran in parallel: " + worker.maxConcurrent());
        assertTrue(worker.threads().size() >= 2, "handlers ran on several threads: " + worker.threads());
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "jobs") == 0);
        assertEquals(0, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".queue WHERE name LIKE ?",
                "jobs$%"), "no queue is named after a copy");
    }

    @ApplicationScoped
    static class Worker {
        private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        private final Set<String> threads = ConcurrentHashMap.newKeySet();
        private final AtomicInteger running = new AtomicInteger();
        private final AtomicInteger maxConcurrent = new AtomicInteger();

        @Incoming("jobs")
        @Blocking
        void work(String job) {
            maxConcurrent.accumulateAndGet(running.incrementAndGet(), Math::max);
            threads.add(Thread.currentThread().getName());
            long until = System.nanoTime() + 5_000_000; // a little work, so that handlers overlap
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            seen.computeIfAbsent(job, j -> new AtomicInteger()).incrementAndGet();
            running.decrementAndGet();
        }

        Map<String, AtomicInteger> seen() {
            return seen;
        }

        int maxConcurrent() {
            return maxConcurrent.get();
        }

        Set<String> threads() {
            return threads;
        }
    }
}
