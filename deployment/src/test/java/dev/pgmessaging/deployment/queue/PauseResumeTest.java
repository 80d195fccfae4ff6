package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.QueueInfo;
import dev.pgmessaging.runtime.api.QueuedMessage;
import dev.pgmessaging.runtime.api.UnknownNameException;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A queue channel paused while its slow handler works through a backlog it leased ahead (prefetch
 * 40): within the handler's time it holds at most the message at work, the rest is back in the
 * queue, ready and not counted as delivered; messages sent meanwhile (which local delivery would hand
 * straight to an idle consumer) wait; resumed, every message is handled exactly once, at attempt 1.
 */
class PauseResumeTest {

    static final String SCHEMA = "pause_resume_test";
    static final int MESSAGES = 120;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Worker.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-work.queue", "work")
            .overrideConfigKey("mp.messaging.incoming.work.queue", "work")
            .overrideConfigKey("mp.messaging.incoming.work.prefetch", "40")
            .overrideConfigKey("mp.messaging.incoming.work.claim-size", "20");

    @Inject
    Worker worker;
    @Inject
    PostgresMessaging messaging;

    @Test
    void pausedChannelGivesBackWhatItHoldsAndResumesWhereItStopped() {
        for (int i = 0; i < MESSAGES; i++) {
            worker.send("m" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> worker.handled() >= 5 && work().inFlight() >= 20);

        messaging.pause("work");
        assertTrue(messaging.isPaused("work"));
        // the handler's message at work finishes; what the channel held ahead of it goes back
        await().atMost(Duration.ofSeconds(5)).until(() -> work().inFlight() <= 1);
        int handledAtPause = worker.handled();
        await().atMost(Duration.ofSeconds(5)).until(() -> work().inFlight() == 0);
        List<QueuedMessage> waiting = messaging.peek("work", 0, 1000);
        assertTrue(waiting.size() >= MESSAGES - handledAtPause - 1, waiting.size() + " waiting");
        assertEquals(List.of(), waiting.stream().filter(m -> m.inFlight() || m.attempts() != 0).toList(),
                "given back ready, not counted as delivered");

        // nothing more is handled while paused, not even what is sent meanwhile
        for (int i = MESSAGES; i < MESSAGES + 10; i++) {
            worker.send("m" + i);
        }
        int stillHandled = worker.handled();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> worker.handled() == stillHandled);
        assertTrue(stillHandled <= handledAtPause + 1);
        assertEquals(0, work().inFlight());

        messaging.resume("work");
        assertFalse(messaging.isPaused("work"));
        await().atMost(Duration.ofSeconds(60)).until(() -> worker.handled() == MESSAGES + 10 && work().total() == 0);
        assertEquals(List.of(), worker.attempts().entrySet().stream().filter(e -> !e.getValue().equals(List.of(1)))
                .map(Map.Entry::getKey).toList(), "each handled once, at attempt 1");
    }

    @Test
    void anUnknownChannelIsNamed() {
        assertEquals("PGMSG1011: This application has no incoming postgres channel named nothing",
                assertThrows(UnknownNameException.class, () -> messaging.pause("nothing")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> messaging.pause("to-work"), "an outgoing channel");
    }

    private QueueInfo work() {
        return messaging.queues().stream().filter(q -> q.name().equals("work")).findFirst().orElseThrow();
    }

    @ApplicationScoped
    static class Worker {
        private final Map<String, List<Integer>> attempts = new ConcurrentHashMap<>();
        private final AtomicInteger handled = new AtomicInteger();

        @Inject
        @Channel("to-work")
        Emitter<String> out;

        void send(String message) {
            out.send(message);
        }

        int handled() {
            return handled.get();
        }

        Map<String, List<Integer>> attempts() {
            return attempts;
        }

        @Incoming("work")
        void work(String message, IncomingQueueMetadata metadata) throws InterruptedException {
            Thread.sleep(100);
            attempts.computeIfAbsent(message, m -> new CopyOnWriteArrayList<>()).add(metadata.attempt());
            handled.incrementAndGet();
        }
    }
}
