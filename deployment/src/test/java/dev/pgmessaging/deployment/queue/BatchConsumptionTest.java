package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.IncomingQueueBatchMetadata;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Methods taking {@code List<T>} or {@code Message<List<T>>} receive batches (detected at build time,
 * no configuration): every message once, several per call, acked together; a nacked batch sends
 * each of its messages through the failure strategy on its own.
 */
class BatchConsumptionTest {

    static final String SCHEMA = "batch_consumption_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.retried.retry-initial-delay", "100ms");

    @Inject
    Consumers consumers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aListParameterReceivesBatchesOfTheElementType() throws Exception {
        String[] numbers = new String[1000];
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = String.valueOf(i);
        }
        TestQueues.send(TestQueues.migrated(dataSource, SCHEMA), dataSource, "numbers", numbers);

        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.numbers().size() == 1000);
        assertEquals(1000, consumers.numbers().stream().distinct().count(), "each message once");
        assertTrue(consumers.largestBatch() > 1, "several messages per call: " + consumers.largestBatch());
        assertTrue(consumers.largestBatch() <= 100, "at most claim-size per batch: " + consumers.largestBatch());
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "numbers") == 0);
    }

    @Test
    void aNackedBatchRetriesEachOfItsMessages() throws Exception {
        TestQueues.send(TestQueues.migrated(dataSource, SCHEMA), dataSource, "retried", "a", "b", "c");
        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.processed().size() == 3);
        // the first delivery of every message was nacked with its batch; each came back on its own
        assertEquals(Map.of("a", 2, "b", 2, "c", 2), consumers.processed());
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "retried") == 0);
        assertEquals(0, Rows.count(dataSource, SCHEMA, "retried.dlq"));
    }

    @ApplicationScoped
    static class Consumers {
        private final List<Integer> numbers = new CopyOnWriteArrayList<>();
        private final AtomicInteger largestBatch = new AtomicInteger();
        private final Map<String, Integer> processed = new ConcurrentHashMap<>();

        @Incoming("numbers")
        void numbers(List<Integer> batch) {
            largestBatch.accumulateAndGet(batch.size(), Math::max);
            numbers.addAll(batch);
        }

        @Incoming("retried")
        CompletionStage<Void> retried(Message<List<String>> batch) {
            List<IncomingQueueMetadata> metadata = batch.getMetadata(IncomingQueueBatchMetadata.class).orElseThrow()
                    .messages();
            if (metadata.stream().anyMatch(m -> m.attempt() == 1)) {
                return batch.nack(new IllegalStateException("first attempt"));
            }
            for (int i = 0; i < metadata.size(); i++) {
                processed.put(batch.getPayload().get(i), metadata.get(i).attempt());
            }
            return batch.ack();
        }

        List<Integer> numbers() {
            return numbers;
        }

        int largestBatch() {
            return largestBatch.get();
        }

        Map<String, Integer> processed() {
            return processed;
        }
    }
}
