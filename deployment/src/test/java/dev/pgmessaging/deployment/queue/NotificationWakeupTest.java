package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/**
 * An idle consumer is woken long before its poll interval (by the producer of the same
 * application; by NOTIFY from another instance: {@link LocalWakeupTest}); with notifications off
 * on both sides, polling alone still delivers.
 */
class NotificationWakeupTest {

    static final Duration LONG_POLL = Duration.ofSeconds(60);

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "notification_wakeup_test")
            .overrideConfigKey("mp.messaging.outgoing.to-notified.queue", "notified")
            .overrideConfigKey("mp.messaging.incoming.notified.poll-interval", "60s")
            .overrideConfigKey("mp.messaging.outgoing.to-polling.queue", "polling")
            .overrideConfigKey("mp.messaging.outgoing.to-polling.notifications", "false")
            .overrideConfigKey("mp.messaging.incoming.polling.notifications", "false")
            .overrideConfigKey("mp.messaging.incoming.polling.poll-interval", "300ms");

    @Inject
    Consumers consumers;

    @Test
    void idleConsumerIsWokenLongBeforeItsPoll() {
        // the first message may be found by the consumer's first claim: once it is received,
        // the consumer is idle, waiting for a notification or its 60 s poll
        consumers.sendNotified("warm-up");
        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.received("warm-up") != null);

        long sentAt = System.nanoTime();
        consumers.sendNotified("wake-up");
        await().atMost(LONG_POLL.dividedBy(4)).until(() -> consumers.received("wake-up") != null);
        Duration latency = Duration.ofNanos(consumers.received("wake-up") - sentAt);
        System.out.printf("Wake-up latency: %d ms (poll interval %d s)%n", latency.toMillis(), LONG_POLL.toSeconds());
        assertTrue(latency.compareTo(Duration.ofSeconds(5)) < 0, "woken after " + latency);
    }

    @Test
    void pollingDeliversWithoutNotifications() {
        consumers.sendPolling("one");
        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.received("one") != null);
        consumers.sendPolling("two");
        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.received("two") != null);
    }

    @ApplicationScoped
    static class Consumers {
        final Map<String, Long> received = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-notified")
        Emitter<String> toNotified;
        @Inject
        @Channel("to-polling")
        Emitter<String> toPolling;

        void sendNotified(String payload) {
            toNotified.send(payload);
        }

        void sendPolling(String payload) {
            toPolling.send(payload);
        }

        Long received(String payload) {
            return received.get(payload);
        }

        @Incoming("notified")
        void notified(String payload) {
            received.put(payload, System.nanoTime());
        }

        @Incoming("polling")
        void polling(String payload) {
            received.put(payload, System.nanoTime());
        }
    }
}
