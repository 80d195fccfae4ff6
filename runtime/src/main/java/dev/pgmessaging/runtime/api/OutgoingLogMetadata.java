package dev.pgmessaging.runtime.api;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metadata a producer attaches to a record sent to a {@code postgres} topic channel, named like the
 * Kafka connector's {@code OutgoingKafkaRecordMetadata}: the key (which chooses the partition, as
 * Kafka's default partitioner does), an explicit partition (which wins over the key), a timestamp
 * and headers, e.g.
 * {@code Message.of(order).addMetadata(OutgoingLogMetadata.builder().withKey(order.customerId()).build())}.
 *
 * @param <K> the type of the key
 */
public final class OutgoingLogMetadata<K> {

    private final K key;
    private final int partition;
    private final Instant timestamp;
    private final Map<String, String> headers;

    private OutgoingLogMetadata(Builder<K> builder) {
        this.key = builder.key;
        this.partition = builder.partition;
        this.timestamp = builder.timestamp;
        this.headers = Map.copyOf(builder.headers);
    }

    public static <K> Builder<K> builder() {
        return new Builder<>();
    }

    /** The key, or {@code null}: a {@code String} (UTF-8), a {@code byte[]}, or a number (big-endian, as Kafka's serializers write them). */
    public K getKey() {
        return key;
    }

    /** The partition, or -1 to choose it from the key. */
    public int getPartition() {
        return partition;
    }

    /** The record's timestamp, or {@code null} for the time of the append. */
    public Instant getTimestamp() {
        return timestamp;
    }

    /** Headers stored with the record and given back in {@link IncomingLogMetadata#getHeaders()}. */
    public Map<String, String> getHeaders() {
        return headers;
    }

    public static final class Builder<K> {
        private K key;
        private int partition = -1;
        private Instant timestamp;
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder<K> withKey(K key) {
            this.key = key;
            return this;
        }

        public Builder<K> withPartition(int partition) {
            this.partition = partition;
            return this;
        }

        public Builder<K> withTimestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        public Builder<K> withHeader(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder<K> withHeaders(Map<String, String> headers) {
            this.headers.putAll(headers);
            return this;
        }

        public OutgoingLogMetadata<K> build() {
            return new OutgoingLogMetadata<>(this);
        }
    }
}
