package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.QuarkusUnitTest;

/** Higher priorities first and FIFO within a priority; delayed messages wait for their time. */
class DelayAndPriorityTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Channels.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "delay_and_priority_test")
            .overrideConfigKey("mp.messaging.outgoing.to-ranked.queue", "ranked")
            .overrideConfigKey("mp.messaging.outgoing.to-later.queue", "later")
            .overrideConfigKey("mp.messaging.incoming.later.poll-interval", "100ms")
            .overrideConfigKey("mp.messaging.outgoing.to-later-by-default.queue", "later")
            .overrideConfigKey("mp.messaging.outgoing.to-later-by-default.delay", "1500ms");

    @Inject
    Channels channels;

    @Test
    void higherPrioritiesFirstThenInSendingOrder() {
        // one transaction: the five become visible together, so one claim sees them all
        QuarkusTransaction.requiringNew().run(() -> {
            channels.ranked("low-1", 0);
            channels.ranked("mid-1", 5);
            channels.ranked("high", 9);
            channels.ranked("mid-2", 5);
            channels.ranked("low-2", 0);
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> channels.ranked().size() == 5);
        assertEquals(List.of("high", "mid-1", "mid-2", "low-1", "low-2"), channels.ranked());
    }

    @Test
    void delayedMessagesWaitForTheirTime() {
        Instant sent = Instant.now();
        channels.later("by-metadata", OutgoingQueueMetadata.builder().withDelay(Duration.ofMillis(1500)).build());
        channels.laterByDefault("by-channel-default");
        channels.later("by-deliver-at", OutgoingQueueMetadata.builder().withDeliverAt(sent.plusMillis(2500)).build());
        channels.later("now", OutgoingQueueMetadata.builder().build());

        await().atMost(Duration.ofSeconds(20)).until(() -> channels.later().size() == 4);
        Map<String, Instant> at = channels.later();
        assertTrue(Duration.between(sent, at.get("now")).toMillis() < 1000, "undelayed message late");
        assertTrue(Duration.between(sent, at.get("by-metadata")).toMillis() >= 1400, "delay not honoured");
        assertTrue(Duration.between(sent, at.get("by-channel-default")).toMillis() >= 1400, "channel delay not honoured");
        assertTrue(Duration.between(sent, at.get("by-deliver-at")).toMillis() >= 2400, "deliver-at not honoured");
    }

    @ApplicationScoped
    static class Channels {
        final List<String> ranked = new CopyOnWriteArrayList<>();
        final Map<String, Instant> later = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-ranked")
        Emitter<String> toRanked;
        @Inject
        @Channel("to-later")
        Emitter<String> toLater;
        @Inject
        @Channel("to-later-by-default")
        Emitter<String> toLaterByDefault;

        void ranked(String payload, int priority) {
            toRanked.send(Message.of(payload).addMetadata(OutgoingQueueMetadata.builder().withPriority(priority).build()));
        }

        void later(String payload, OutgoingQueueMetadata metadata) {
            toLater.send(Message.of(payload).addMetadata(metadata));
        }

        void laterByDefault(String payload) {
            toLaterByDefault.send(payload);
        }

        List<String> ranked() {
            return ranked;
        }

        Map<String, Instant> later() {
            return later;
        }

        @Incoming("ranked")
        void ranked(String payload) {
            ranked.add(payload);
        }

        @Incoming("later")
        void later(String payload) {
            later.put(payload, Instant.now());
        }
    }
}
