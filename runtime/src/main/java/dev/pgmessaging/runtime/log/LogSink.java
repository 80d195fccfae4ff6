package dev.pgmessaging.runtime.log;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import jakarta.transaction.TransactionManager;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.api.OutgoingLogMetadata;
import dev.pgmessaging.runtime.api.Record;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.notify.NotificationChannel;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.sink.BatchingSink;
import dev.pgmessaging.runtime.tracing.MessageTracing;

/**
 * Appends the messages of one outgoing channel to a topic, in batches or in the sender's
 * transaction (see {@link BatchingSink}). The partition is the metadata's, or chosen from the key
 * as Kafka's default partitioner does; the keyless records of a batch go to one partition, and
 * the next partition takes over after a batch once {@code max-batch-size} records went there.
 * Keyless records sent in a caller's transaction go to the partitions in turn; records sent in a
 * caller's transaction are appended at its end ({@link TransactionAppends}).
 */
public final class LogSink extends BatchingSink<NewRecord> {

    private final Topic topic;
    private final LogStore store;
    private final PayloadCodec codec;
    private final KeyPartitioner partitioner;
    private final String notifyChannel;
    private final Wakeups localConsumers;
    private final TransactionAppends inTransaction;
    /** The producer spans, or {@code null} when there are none to make. */
    private MessageTracing tracing;

    /**
     * @param notifyChannel where to wake the topic's consumers, or {@code null} not to
     * @param localConsumers wakes this application's consumers of the topic once a write committed
     * @param inTransaction holds the records sent in a transaction until it ends
     */
    public LogSink(String channel, int maxBatchSize, Duration deliveryTimeout, Topic topic, DataSource dataSource,
            LogStore store, PayloadCodec codec, TransactionManager transactions, String notifyChannel,
            Wakeups localConsumers, TransactionAppends inTransaction) {
        super(channel, maxBatchSize, deliveryTimeout, dataSource, transactions);
        this.inTransaction = inTransaction;
        this.topic = topic;
        this.store = store;
        this.codec = codec;
        this.notifyChannel = notifyChannel;
        this.localConsumers = localConsumers;
        this.partitioner = new KeyPartitioner(maxBatchSize);
    }

    /** Makes a producer span per record, its context in the record's headers (set before the first send). */
    public void traceWith(MessageTracing tracing) {
        this.tracing = tracing;
    }

    @Override
    protected NewRecord toRow(Message<?> message) {
        Object payload = message.getPayload();
        Object key = null;
        if (payload instanceof Record<?, ?> record) {
            key = record.key();
            payload = record.value();
        }
        OutgoingLogMetadata<?> metadata = message.getMetadata(OutgoingLogMetadata.class).orElse(null);
        int partition = -1;
        java.time.Instant timestamp = null;
        Map<String, String> headers = null;
        if (metadata != null) {
            if (metadata.getKey() != null) {
                key = metadata.getKey();
            }
            partition = metadata.getPartition();
            timestamp = metadata.getTimestamp();
            headers = metadata.getHeaders();
        }
        if (tracing != null) {
            headers = tracing.traceOutgoing(message, topic.name(), headers);
        }
        byte[] keyBytes = RecordKeys.serialize(key);
        if (partition < 0) {
            // the writer's batches stick to a partition; a send in the caller's transaction does not
            partition = onWriterThread() ? partitioner.partition(keyBytes, topic.partitions())
                    : partitioner.partitionInTurn(keyBytes, topic.partitions());
        } else if (partition >= topic.partitions()) {
            throw new IllegalArgumentException("Topic " + topic.name() + " has " + topic.partitions()
                    + " partitions: there is no partition " + partition);
        }
        PayloadCodec.Encoded encoded = codec.encode(payload);
        return new NewRecord(partition, keyBytes, encoded.contentType(),
                headers == null ? null : codec.encodeHeaders(headers), encoded.bytes(), timestamp);
    }

    @Override
    protected int[] write(Connection connection, List<NewRecord> rows, LongConsumer transaction) throws SQLException {
        String wake = NotificationChannel.topicKey(topic.name());
        // the writer's write is followed by the wake-up of this application's consumers (committed);
        // one in the sender's transaction commits later, and they hear its notification
        try {
            store.append(connection, topic, rows, notifyChannel,
                    onWriterThread() ? NotificationChannel.withOrigin(wake, localConsumers.origin()) : wake, transaction);
        } finally {
            if (onWriterThread()) {
                partitioner.batchWritten();
            }
        }
        return ALL_STORED;
    }

    /** Held until the sender's transaction ends, and appended with its other records then. */
    @Override
    protected int[] writeInTransaction(NewRecord row) throws SQLException {
        inTransaction.add(topic, row, notifyChannel, NotificationChannel.topicKey(topic.name()));
        return ALL_STORED;
    }

    /** Wakes the topic's consumers in this application at once, rather than when they hear the notification. */
    @Override
    protected void committed(List<NewRecord> rows) {
        localConsumers.wake(NotificationChannel.topicKey(topic.name()));
    }

    @Override
    protected String destination() {
        return "topic " + topic.name();
    }
}
