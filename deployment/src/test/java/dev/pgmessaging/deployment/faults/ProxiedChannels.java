package dev.pgmessaging.deployment.faults;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

import javax.sql.DataSource;

import org.eclipse.microprofile.reactive.messaging.Message;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.runtime.exchange.ExchangeStore;
import dev.pgmessaging.runtime.log.LogConsumerSettings;
import dev.pgmessaging.runtime.log.LogSource;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.log.commit.CommitStrategy;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.IdleQueuePoller;
import dev.pgmessaging.runtime.queue.QueueConsumerSettings;
import dev.pgmessaging.runtime.queue.QueueProducerSettings;
import dev.pgmessaging.runtime.queue.QueueSink;
import dev.pgmessaging.runtime.queue.QueueSource;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.queue.fault.Backoff;
import dev.pgmessaging.runtime.queue.fault.FailureStrategy;
import io.vertx.core.Vertx;

/**
 * Channels built by hand on a datasource that goes through a {@link TcpProxy}, so that a fault test
 * breaks their connections while the test's own go straight to the database: a topic consumer, a
 * queue consumer and a queue producer with short timeouts, and what the tests write with them.
 */
final class ProxiedChannels {

    private static final PayloadCodec CODEC = new PayloadCodec(new ObjectMapper());

    private ProxiedChannels() {
    }

    /** A member of group {@code g} on the one-partition topic {@code events}, failing on a nack. */
    static LogSource topicConsumer(DataSource proxied, LogStore store, Topic topic, Vertx vertx) {
        return new LogSource(new LogConsumerSettings("events", topic.name(), 1, null, "g", true, Duration.ofSeconds(3),
                CommitStrategy.THROTTLED, Duration.ofMillis(100), 50, Duration.ofMillis(100), Duration.ofSeconds(1), null,
                String.class, dev.pgmessaging.runtime.log.fault.FailureStrategy.of("fail"), false, false, null, false),
                topic, proxied, store, CODEC, null, vertx);
    }

    /** A consumer of queue {@code jobs} that polls (no notifications) and dead-letters after 5 attempts. */
    static QueueSource queueConsumer(DataSource proxied, QueueStore store, IdleQueuePoller poller, Vertx vertx) {
        return new QueueSource(new QueueConsumerSettings("jobs", "jobs", "jobs.dlq", 10, 10, Duration.ofSeconds(3),
                Duration.ofMillis(100), false, null,
                FailureStrategy.of(FailureStrategy.DEAD_LETTER, 5, new Backoff(Duration.ofMillis(10), Duration.ofSeconds(1))),
                Duration.ofMinutes(1), Duration.ofSeconds(1), true, false, false, false, false, false), proxied, store,
                CODEC, null, poller, vertx, null);
    }

    /** A producer to {@code queue}, subscribed, with the given delivery timeout. */
    static QueueSink queueProducer(DataSource proxied, String schema, String queue, Duration deliveryTimeout) {
        QueueSink sink = new QueueSink(new QueueProducerSettings(queue, queue, null, 10, false, 0, Duration.ZERO, null,
                Duration.ofMinutes(5), deliveryTimeout), proxied, new QueueStore(schema), new ExchangeStore(schema), CODEC,
                null, new Wakeups(proxied, "unused", "test"), null);
        sink.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        return sink;
    }

    /** Sends through the producer: completes when the message is acked (stored), fails when nacked. */
    static CompletableFuture<Void> send(QueueSink sink, String payload) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        sink.onNext(Message.of(payload, () -> {
            sent.complete(null);
            return CompletableFuture.completedFuture(null);
        }, failure -> {
            sent.completeExceptionally(failure);
            return CompletableFuture.completedFuture(null);
        }));
        return sent;
    }

    /** Appends a text record to partition 0, on a connection of {@code direct}. */
    static void append(DataSource direct, LogStore store, Topic topic, String value) throws Exception {
        try (Connection connection = direct.getConnection()) {
            store.append(connection, topic, List.of(new NewRecord(0, null, "text/plain", null,
                    value.getBytes(StandardCharsets.UTF_8), null)), null, null);
        }
    }
}
