package dev.pgmessaging.runtime.api;

import java.time.Instant;
import java.util.Map;

/**
 * Metadata of a record received from a {@code postgres} topic channel, with the getters of the
 * Kafka connector's {@code IncomingKafkaRecordMetadata}.
 *
 * @param <K> the type of the key (the channel's {@code key-type})
 */
public final class IncomingLogMetadata<K> {

    private final String topic;
    private final int partition;
    private final long offset;
    private final K key;
    private final Instant timestamp;
    private final Map<String, String> headers;
    private final String groupId;

    public IncomingLogMetadata(String topic, int partition, long offset, K key, Instant timestamp,
            Map<String, String> headers, String groupId) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.timestamp = timestamp;
        this.headers = headers;
        this.groupId = groupId;
    }

    public String getTopic() {
        return topic;
    }

    public int getPartition() {
        return partition;
    }

    /** The record's offset in its partition: dense, from 0. */
    public long getOffset() {
        return offset;
    }

    /** The key, or {@code null}. */
    public K getKey() {
        return key;
    }

    /** The producer's timestamp, or the time of the append. */
    public Instant getTimestamp() {
        return timestamp;
    }

    /** The headers (never {@code null}). */
    public Map<String, String> getHeaders() {
        return headers;
    }

    /** The consumer group that received the record. */
    public String getGroupId() {
        return groupId;
    }

    @Override
    public String toString() {
        return "IncomingLogMetadata[" + topic + "-" + partition + "@" + offset + ", key=" + key + "]";
    }
}
