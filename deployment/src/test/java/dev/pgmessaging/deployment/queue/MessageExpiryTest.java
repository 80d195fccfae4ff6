package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A message whose time to live runs out before a consumer takes it is never delivered: it goes
 * to the dead-letter queue (default) or is dropped, as the consuming channel says.
 */
class MessageExpiryTest {

    static final String SCHEMA = "message_expiry_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Channels.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-kept.queue", "kept")
            .overrideConfigKey("mp.messaging.incoming.kept.poll-interval", "100ms")
            .overrideConfigKey("mp.messaging.outgoing.to-dropped.queue", "dropped")
            .overrideConfigKey("mp.messaging.outgoing.to-dropped.time-to-live", "300ms")
            .overrideConfigKey("mp.messaging.incoming.dropped.expiry-strategy", "drop")
            .overrideConfigKey("mp.messaging.incoming.dropped.poll-interval", "100ms");

    @Inject
    Channels channels;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void expiredMessageIsDeadLetteredNotDelivered() {
        // deliverable in 1 s, expired after 300 ms: it expires before any consumer can take it
        channels.kept("stale", OutgoingQueueMetadata.builder().withDelay(Duration.ofSeconds(1))
                .withTimeToLive(Duration.ofMillis(300)).build());
        channels.kept("fresh", OutgoingQueueMetadata.builder().withDelay(Duration.ofSeconds(1))
                .withTimeToLive(Duration.ofMinutes(5)).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.count(dataSource, SCHEMA, "kept.dlq") == 1
                && channels.received().contains("fresh"));
        assertEquals(List.of("fresh"), channels.received().stream().filter(p -> !p.endsWith("-dropped")).toList());
        assertTrue(Rows.header(dataSource, SCHEMA, "kept.dlq", "dead-letter-reason").startsWith("expired at"));
        // the handler got "fresh"; its ack is written by the channel right after
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "kept") == 0);
    }

    @Test
    void expiredMessageIsDroppedWhenTheChannelSaysSo() {
        // the channel's time to live (300 ms) runs out during the 1 s delay
        channels.dropped("stale", OutgoingQueueMetadata.builder().withDelay(Duration.ofSeconds(1)).build());
        channels.dropped("fresh", OutgoingQueueMetadata.builder().withTimeToLive(Duration.ofMinutes(5)).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.count(dataSource, SCHEMA, "dropped") == 0
                && channels.received().contains("fresh-dropped"));
        assertEquals(0, Rows.count(dataSource, SCHEMA, "dropped.dlq"));
        assertTrue(!channels.received().contains("stale-dropped"));
    }

    @ApplicationScoped
    static class Channels {
        final List<String> received = new CopyOnWriteArrayList<>();

        @Inject
        @Channel("to-kept")
        Emitter<String> toKept;
        @Inject
        @Channel("to-dropped")
        Emitter<String> toDropped;

        void kept(String payload, OutgoingQueueMetadata metadata) {
            toKept.send(Message.of(payload).addMetadata(metadata));
        }

        void dropped(String payload, OutgoingQueueMetadata metadata) {
            toDropped.send(Message.of(payload).addMetadata(metadata));
        }

        List<String> received() {
            return received;
        }

        @Incoming("kept")
        void kept(String payload) {
            received.add(payload);
        }

        @Incoming("dropped")
        void dropped(String payload) {
            received.add(payload + "-dropped");
        }
    }
}
