package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
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
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/** A message that is never acked comes back after the visibility timeout; a nacked one comes back at once. */
class RedeliveryTest {

    static final String SCHEMA = "redelivery_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-silent.queue", "silent")
            .overrideConfigKey("mp.messaging.incoming.silent.visibility-timeout", "2s")
            .overrideConfigKey("mp.messaging.incoming.silent.poll-interval", "200ms")
            // no heartbeat past the visibility timeout: the consumer behaves as a dead one
            .overrideConfigKey("mp.messaging.incoming.silent.max-lease-duration", "2s")
            .overrideConfigKey("mp.messaging.outgoing.to-refusing.queue", "refusing")
            // a long timeout: only the nack can explain a quick redelivery
            .overrideConfigKey("mp.messaging.incoming.refusing.visibility-timeout", "10m");

    @Inject
    Consumers consumers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void unackedMessageIsRedeliveredAfterTheVisibilityTimeout() {
        Instant sent = Instant.now();
        consumers.sendSilent("hello");
        await().atMost(Duration.ofSeconds(20)).until(() -> consumers.silent().size() >= 1);
        // The lease deadline the first claim wrote. The gap between the two deliveries as the handler
        // sees them is no measure: the first may reach it later after its claim than the second does.
        Instant deadline = leaseDeadlineOfFirstAttempt();
        await().atMost(Duration.ofSeconds(20)).until(() -> consumers.silent().size() >= 2);
        List<Delivery> deliveries = consumers.silent();
        assertEquals(1, deliveries.get(0).attempt());
        assertEquals(2, deliveries.get(1).attempt());
        assertEquals(deliveries.get(0).id(), deliveries.get(1).id(), "the same message came back");
        // the claim came after the send and before the handler: the deadline is 2 s after it
        assertTrue(!deadline.isBefore(sent.plusSeconds(2)), "lease shorter than the visibility timeout: " + deadline);
        assertTrue(!deadline.isAfter(deliveries.get(0).at().plusSeconds(2)),
                "lease longer than the visibility timeout: " + deadline);
        assertTrue(!deliveries.get(1).at().isBefore(deadline),
                "redelivered before the visibility timeout: " + deliveries.get(1).at() + " < " + deadline);
        // acked on the second delivery: gone from the queue
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "silent") == 0);
    }

    private Instant leaseDeadlineOfFirstAttempt() {
        long micros = Rows.queryLong(dataSource, "SELECT (extract(epoch FROM visible_at) * 1000000)::bigint FROM \""
                + SCHEMA + "\".queue_message WHERE queue = ? AND attempts = 1", "silent");
        return Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS);
    }

    @Test
    void nackedMessageIsRedeliveredAtOnce() {
        consumers.sendRefusing("again");
        await().atMost(Duration.ofSeconds(20)).until(() -> consumers.refusing().size() >= 2);
        List<Delivery> deliveries = consumers.refusing();
        assertEquals(1, deliveries.get(0).attempt());
        assertEquals(2, deliveries.get(1).attempt());
        assertEquals(deliveries.get(0).id(), deliveries.get(1).id());
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "refusing") == 0);
    }

    record Delivery(long id, int attempt, Instant at) {
    }

    @ApplicationScoped
    static class Consumers {
        final List<Delivery> silent = new CopyOnWriteArrayList<>();
        final List<Delivery> refusing = new CopyOnWriteArrayList<>();

        @Inject
        @Channel("to-silent")
        Emitter<String> toSilent;
        @Inject
        @Channel("to-refusing")
        Emitter<String> toRefusing;

        void sendSilent(String payload) {
            toSilent.send(payload);
        }

        void sendRefusing(String payload) {
            toRefusing.send(payload);
        }

        List<Delivery> silent() {
            return silent;
        }

        List<Delivery> refusing() {
            return refusing;
        }

        /** Does not ack the first delivery, as a consumer that crashed or hung would. */
        @Incoming("silent")
        CompletionStage<Void> silent(Message<String> message) {
            IncomingQueueMetadata metadata = message.getMetadata(IncomingQueueMetadata.class).orElseThrow();
            silent.add(new Delivery(metadata.id(), metadata.attempt(), Instant.now()));
            return metadata.attempt() == 1 ? java.util.concurrent.CompletableFuture.completedFuture(null) : message.ack();
        }

        @Incoming("refusing")
        CompletionStage<Void> refusing(Message<String> message) {
            IncomingQueueMetadata metadata = message.getMetadata(IncomingQueueMetadata.class).orElseThrow();
            refusing.add(new Delivery(metadata.id(), metadata.attempt(), Instant.now()));
            return metadata.attempt() == 1 ? message.nack(new IllegalStateException("not now")) : message.ack();
        }
    }
}
