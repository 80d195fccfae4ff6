package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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

import dev.pgmessaging.runtime.PostgresConnector;
import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.OutgoingLogMetadata;
import dev.pgmessaging.runtime.api.PartitionLag;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.Record;
import dev.pgmessaging.runtime.log.KeyPartitioner;
import io.quarkus.test.QuarkusUnitTest;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * Topic channels end to end: an emitter appends keyed records to a 3-partition topic; two
 * consumer groups each receive every record once, in order per key, with the Kafka connector's
 * metadata, each key in the partition Kafka would give it; a {@code Record<K, V>} parameter gets the
 * key with the value; and once done, both groups have committed everything (no lag).
 */
class LogChannelsTest {

    static final String SCHEMA = "log_channels_test";
    static final int RECORDS = 300;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Producer.class, Consumers.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.orders-out.topic", "orders")
            .overrideConfigKey("mp.messaging.outgoing.orders-out.partitions", "3")
            .overrideConfigKey("mp.messaging.incoming.billing.topic", "orders")
            .overrideConfigKey("mp.messaging.incoming.billing.partitions", "3")
            .overrideConfigKey("mp.messaging.incoming.billing.group.id", "billing")
            .overrideConfigKey("mp.messaging.incoming.billing.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.shipping.topic", "orders")
            .overrideConfigKey("mp.messaging.incoming.shipping.partitions", "3")
            .overrideConfigKey("mp.messaging.incoming.shipping.group.id", "shipping")
            .overrideConfigKey("mp.messaging.incoming.shipping.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.shipping.commit-strategy", "latest")
            .overrideConfigKey("mp.messaging.incoming.audit.topic", "orders")
            .overrideConfigKey("mp.messaging.incoming.audit.partitions", "3")
            .overrideConfigKey("mp.messaging.incoming.audit.group.id", "audit")
            .overrideConfigKey("mp.messaging.incoming.audit.auto.offset.reset", "earliest");

    @Inject
    Producer producer;
    @Inject
    Consumers consumers;
    @Inject
    @Connector("postgres")
    PostgresConnector connector;
    @Inject
    PostgresMessaging messaging;

    @Test
    void everyGroupGetsEveryRecordInKeyOrder() {
        for (int i = 0; i < RECORDS; i++) {
            producer.send("customer-" + (i % 7), "order-" + i);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> consumers.billing().size() == RECORDS
                && consumers.shipping().size() == RECORDS && consumers.records().size() == RECORDS);

        KeyPartitioner kafka = new KeyPartitioner();
        for (List<IncomingLogMetadata<?>> group : List.of(consumers.billing(), consumers.shipping())) {
            assertEquals(RECORDS, group.stream().map(m -> m.getHeaders().get("order")).distinct().count(),
                    "each record once");
            Map<Object, Integer> lastOrderOfKey = new ConcurrentHashMap<>();
            for (IncomingLogMetadata<?> metadata : group) {
                assertEquals("orders", metadata.getTopic());
                String key = (String) metadata.getKey();
                assertEquals(kafka.partition(key.getBytes(StandardCharsets.UTF_8), 3), metadata.getPartition(),
                        "the partition Kafka's default partitioner gives key " + key);
                int order = Integer.parseInt(metadata.getHeaders().get("order").substring("order-".length()));
                Integer previous = lastOrderOfKey.put(key, order);
                assertTrue(previous == null || previous < order, "records of key " + key + " in order");
            }
        }
        assertEquals(RECORDS, consumers.records().size());
        assertTrue(consumers.records().stream().allMatch(r -> r.key().startsWith("customer-")
                && r.value().startsWith("order-")), "Record<K, V> carries the key and the value");

        for (String group : List.of("billing", "shipping")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> messaging.lag(group, "orders").stream()
                    .mapToLong(PartitionLag::lag).sum() == 0);
            assertEquals(RECORDS, messaging.lag(group, "orders").stream()
                    .mapToLong(PartitionLag::logEndOffset).sum(), "the partitions hold every record once");
        }
    }

    @ApplicationScoped
    static class Producer {
        @Inject
        @Channel("orders-out")
        Emitter<String> emitter;

        void send(String key, String order) {
            emitter.send(Message.of(order).addMetadata(OutgoingLogMetadata.<String> builder().withKey(key)
                    .withHeader("order", order).build()));
        }
    }

    @ApplicationScoped
    static class Consumers {
        private final List<IncomingLogMetadata<?>> billing = new CopyOnWriteArrayList<>();
        private final List<IncomingLogMetadata<?>> shipping = new CopyOnWriteArrayList<>();
        private final List<Record<String, String>> records = new CopyOnWriteArrayList<>();

        @Incoming("billing")
        java.util.concurrent.CompletionStage<Void> bill(Message<String> message) {
            billing.add(message.getMetadata(IncomingLogMetadata.class).orElseThrow());
            return message.ack();
        }

        @Incoming("shipping")
        java.util.concurrent.CompletionStage<Void> ship(Message<String> message) {
            shipping.add(message.getMetadata(IncomingLogMetadata.class).orElseThrow());
            return message.ack();
        }

        @Incoming("audit")
        void audit(Record<String, String> record) {
            records.add(record);
        }

        List<IncomingLogMetadata<?>> billing() {
            return new ArrayList<>(billing);
        }

        List<IncomingLogMetadata<?>> shipping() {
            return new ArrayList<>(shipping);
        }

        List<Record<String, String>> records() {
            return new ArrayList<>(records);
        }
    }
}
