package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.IncomingLogBatchMetadata;
import dev.pgmessaging.runtime.api.OutgoingLogMetadata;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.keyed.KeyedMulti;

/**
 * Batches and keyed streams on a topic: a method taking {@code List<T>} (detected at build time)
 * gets the records of a read together, with their metadata; a method taking a
 * {@code KeyedMulti<K, V>} gets them grouped by record key.
 */
class LogBatchAndKeyedTest {

    static final String SCHEMA = "log_batch_keyed_test";
    static final int RECORDS = 200;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.clicks-out.topic", "clicks")
            .overrideConfigKey("mp.messaging.outgoing.clicks-out.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.batches.topic", "clicks")
            .overrideConfigKey("mp.messaging.incoming.batches.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.batches.group.id", "batches")
            .overrideConfigKey("mp.messaging.incoming.batches.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.keyed.topic", "clicks")
            .overrideConfigKey("mp.messaging.incoming.keyed.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.keyed.group.id", "keyed")
            .overrideConfigKey("mp.messaging.incoming.keyed.auto.offset.reset", "earliest");

    @Inject
    Handlers handlers;

    @Test
    void batchesAndKeyedStreams() {
        for (int i = 0; i < RECORDS; i++) {
            handlers.send("user-" + (i % 4), "click-" + i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> handlers.batched().size() == RECORDS);
        assertEquals(RECORDS, handlers.batched().stream().distinct().count(), "each record once");
        assertTrue(handlers.largestBatch() > 1, "records came in batches: " + handlers.largestBatch());
        assertTrue(handlers.metadataMatched(), "the batch metadata has one entry per payload");

        await().atMost(Duration.ofSeconds(30)).until(() -> handlers.perKey().values().stream()
                .mapToInt(AtomicInteger::get).sum() == RECORDS);
        assertEquals(Map.of("user-0", 50, "user-1", 50, "user-2", 50, "user-3", 50),
                Map.copyOf(handlers.perKey().entrySet().stream().collect(java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, e -> e.getValue().get()))),
                "the keyed streams are grouped by record key");
    }

    @ApplicationScoped
    static class Handlers {
        @Inject
        @Channel("clicks-out")
        Emitter<String> emitter;
        private final List<String> batched = new CopyOnWriteArrayList<>();
        private final AtomicInteger largestBatch = new AtomicInteger();
        private volatile boolean metadataMatched = true;
        private final Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();

        void send(String user, String click) {
            emitter.send(Message.of(click).addMetadata(OutgoingLogMetadata.<String> builder().withKey(user).build()));
        }

        @Incoming("batches")
        java.util.concurrent.CompletionStage<Void> batch(Message<List<String>> batch) {
            IncomingLogBatchMetadata metadata = batch.getMetadata(IncomingLogBatchMetadata.class).orElseThrow();
            if (metadata.records().size() != batch.getPayload().size()) {
                metadataMatched = false;
            }
            batched.addAll(batch.getPayload());
            largestBatch.accumulateAndGet(batch.getPayload().size(), Math::max);
            return batch.ack();
        }

        @Incoming("keyed")
        @Outgoing("per-user")
        Multi<String> byUser(KeyedMulti<String, String> clicks) {
            return clicks.map(click -> clicks.key());
        }

        @Incoming("per-user")
        void count(String user) {
            perKey.computeIfAbsent(user, u -> new AtomicInteger()).incrementAndGet();
        }

        List<String> batched() {
            return batched;
        }

        int largestBatch() {
            return largestBatch.get();
        }

        boolean metadataMatched() {
            return metadataMatched;
        }

        Map<String, AtomicInteger> perKey() {
            return perKey;
        }
    }
}
