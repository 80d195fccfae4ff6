package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.IdleQueuePoller;
import dev.pgmessaging.runtime.queue.QueueConsumerSettings;
import dev.pgmessaging.runtime.queue.QueueSource;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.queue.fault.Backoff;
import dev.pgmessaging.runtime.queue.fault.FailureStrategy;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.vertx.core.Vertx;

/**
 * A stopping consumer waits for its in-flight messages up to its shutdown timeout, settles
 * what was acked, and gives the rest back to the queue at once instead of stranding them until
 * their visibility timeout.
 */
class GracefulShutdownTest {

    static final String SCHEMA = "graceful_shutdown_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    @Inject
    AgroalDataSource dataSource;
    @Inject
    Vertx vertx;

    @Test
    void unfinishedMessagesGoBackToTheQueueAtOnce() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        TestQueues.send(store, dataSource, "jobs", "job-0", "job-1", "job-2", "job-3", "job-4");
        QueueConsumerSettings settings = new QueueConsumerSettings("workers", "jobs", "jobs.dlq", 10, 10,
                Duration.ofMinutes(5), Duration.ofMillis(100), false, null,
                FailureStrategy.of(FailureStrategy.DEAD_LETTER, 5, new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1))),
                Duration.ofHours(1), Duration.ofMillis(500), true, false, false, false, false, false);
        IdleQueuePoller poller = new IdleQueuePoller(dataSource, store, "test");
        poller.start();
        QueueSource source = new QueueSource(settings, dataSource, store, new PayloadCodec(new ObjectMapper()), null,
                poller, vertx, null);
        List<Message<?>> received = new CopyOnWriteArrayList<>();
        source.stream().subscribe().with(received::add);
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 5);

        // two are processed; three are still in the handlers' hands when the shutdown starts
        received.get(0).ack();
        received.get(1).ack();
        source.stopTakingWork();
        source.awaitSettled(System.nanoTime()); // gives up on the three after 500 ms
        source.stop();
        poller.close();

        assertEquals(3, Rows.count(dataSource, SCHEMA, "jobs"), "acked messages deleted, the others kept");
        assertEquals(3, Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + SCHEMA + "\".queue_message "
                + "WHERE queue = ? AND lease_token IS NULL AND visible_at <= now()", "jobs"),
                "unfinished messages claimable at once, not after the 5 minute visibility timeout");
        // a late ack from a handler that finished after the shutdown changes nothing
        received.get(2).ack();
        assertEquals(3, Rows.count(dataSource, SCHEMA, "jobs"));
    }
}
