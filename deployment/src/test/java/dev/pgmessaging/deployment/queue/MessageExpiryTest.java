package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
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
import dev.pgmessaging.runtime.queue.ClaimFloor;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
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

    /** What the expired-messages counter counts: the claim reports the expired messages it took care of. */
    @Test
    void aClaimCountsTheExpiredMessagesItTookCareOf() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        List<Integer> counted = new CopyOnWriteArrayList<>();
        send(store, expiring("a"), expiring("b"), expiring("c"), lasting("d"));
        List<ClaimedMessage> claimed = store.claim(dataSource, "counted", 10, Duration.ofMinutes(1), "counted.dlq",
                false, "", new ClaimFloor(), counted::add);
        assertEquals(List.of("d"), claimed.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList());
        assertEquals(List.of(3), counted);
        assertEquals(3, Rows.count(dataSource, SCHEMA, "counted.dlq"));

        send(store, expiring("e"), expiring("f"));
        assertEquals(List.of(), store.claim(dataSource, "counted", 10, Duration.ofMinutes(1), null, false, "",
                new ClaimFloor(), counted::add), "nothing to lease");
        assertEquals(List.of(3, 2), counted, "a claim that leases nothing still counts what it expired");
        assertEquals(3, Rows.count(dataSource, SCHEMA, "counted.dlq"), "dropped, not dead-lettered");

        send(store, lasting("g"));
        assertEquals(1, store.claim(dataSource, "counted", 10, Duration.ofMinutes(1), null, false, "",
                new ClaimFloor(), counted::add).size());
        assertEquals(List.of(3, 2), counted, "nothing expired, nothing counted");

        // the claim of the earlier version, for its instances still running during a rolling deployment
        send(store, expiring("h"), lasting("i"));
        assertEquals(1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".claim_messages('counted', 10, 60, NULL, false, '', NULL, NULL)"), "the message, no row of counts");
        assertEquals(0, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE queue = 'counted' AND lease_token IS NULL"), "the expired one is gone");
    }

    /** Sends the messages, and waits until the database's clock has passed the expiry of the expiring ones. */
    private void send(QueueStore store, NewMessage... messages) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, List.of(messages), Duration.ofMinutes(5), false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE queue = 'counted' AND expires_at > now() AND expires_at < now() + interval '1 minute'") == 0);
    }

    private static NewMessage expiring(String payload) {
        return new NewMessage("counted", null, null, "text/plain", null, payload.getBytes(StandardCharsets.UTF_8), 0,
                Duration.ZERO, null, Duration.ofMillis(1), null);
    }

    private static NewMessage lasting(String payload) {
        return new NewMessage("counted", null, null, "text/plain", null, payload.getBytes(StandardCharsets.UTF_8), 0,
                Duration.ZERO, null, Duration.ofHours(1), null);
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
