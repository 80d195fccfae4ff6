package dev.pgmessaging.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A record payload round-trips as JSON with no serializer configuration at all; a payload that
 * cannot be read goes to the dead-letter queue with the reason, and the channel keeps running.
 */
class PojoPayloadTest {

    static final String SCHEMA = "pojo_payload_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Order.class, Orders.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            // the only configuration: which queue the channels use (no payload type, no serializer)
            .overrideConfigKey("mp.messaging.outgoing.order-out.queue", "orders")
            .overrideConfigKey("mp.messaging.outgoing.garbage-out.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.orders.queue", "orders")
            .overrideConfigKey("mp.messaging.outgoing.batch-out.queue", "batches")
            // the consumer of List<Order> takes each JSON array as one payload, not batches of orders
            .overrideConfigKey("mp.messaging.incoming.batches.batch", "false");

    @Inject
    Orders orders;
    @Inject
    AgroalDataSource dataSource;

    public record Order(String id, int quantity, List<String> items) {
    }

    @Test
    void recordRoundTripsAsJson() {
        Order sent = new Order("o-1", 3, List.of("apple", "pear"));
        orders.send(Message.of(sent).addMetadata(OutgoingQueueMetadata.builder()
                .withKey("customer-7").withHeader("source", "test").build()));
        await().atMost(Duration.ofSeconds(30)).until(() -> !orders.received().isEmpty());

        Message<Order> received = orders.received().get(0);
        assertEquals(sent, received.getPayload());
        IncomingQueueMetadata metadata = received.getMetadata(IncomingQueueMetadata.class).orElseThrow();
        assertEquals("orders", metadata.queue());
        assertEquals("customer-7", metadata.key());
        assertEquals(Map.of("source", "test"), metadata.headers());
        assertEquals("application/json", metadata.contentType());
        assertEquals(1, metadata.attempt());
    }

    @Test
    void unreadablePayloadIsDeadLetteredWithTheReason() {
        orders.sendGarbage("this is not an order");
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "orders.dlq") == 1);
        String reason = Rows.header(dataSource, SCHEMA, "orders.dlq", "dead-letter-reason");
        assertEquals(true, reason.contains(Order.class.getName()), reason);
        assertEquals("orders", Rows.header(dataSource, SCHEMA, "orders.dlq", "dead-letter-queue"));
        assertEquals("1", Rows.header(dataSource, SCHEMA, "orders.dlq", "dead-letter-attempts"));

        // the channel keeps running
        Order next = new Order("o-2", 1, List.of());
        orders.send(Message.of(next));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> orders.received().stream().anyMatch(m -> m.getPayload().equals(next)));
    }

    @Test
    void genericPayloadKeepsItsTypeArguments() {
        List<Order> sent = List.of(new Order("o-3", 1, List.of("fig")), new Order("o-4", 2, List.of()));
        orders.sendBatch(sent);
        await().atMost(Duration.ofSeconds(30)).until(() -> orders.batches().size() == 1);
        List<Order> received = orders.batches().get(0);
        assertEquals(sent, received);
        assertEquals(Order.class, received.get(0).getClass(), "elements are records, not maps");
    }

    @ApplicationScoped
    static class Orders {
        final List<List<Order>> batches = new CopyOnWriteArrayList<>();

        @Inject
        @Channel("batch-out")
        Emitter<List<Order>> batchOut;

        void sendBatch(List<Order> batch) {
            batchOut.send(batch);
        }

        List<List<Order>> batches() {
            return batches;
        }

        @Incoming("batches")
        void batch(List<Order> batch) {
            batches.add(batch);
        }

        final List<Message<Order>> received = new CopyOnWriteArrayList<>();

        @Inject
        @Channel("order-out")
        Emitter<Order> out;
        @Inject
        @Channel("garbage-out")
        Emitter<String> garbage;

        void send(Message<Order> message) {
            out.send(message);
        }

        void sendGarbage(String text) {
            garbage.send(text);
        }

        List<Message<Order>> received() {
            return received;
        }

        @Incoming("orders")
        java.util.concurrent.CompletionStage<Void> consume(Message<Order> order) {
            received.add(order);
            return order.ack();
        }
    }
}
