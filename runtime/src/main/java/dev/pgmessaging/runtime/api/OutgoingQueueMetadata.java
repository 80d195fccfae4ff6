package dev.pgmessaging.runtime.api;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metadata a producer attaches to a message sent to a {@code postgres} queue channel: headers, a
 * key, a routing key, a priority, a delay or delivery time and a time to live, e.g.
 * {@code Message.of(payload).addMetadata(OutgoingQueueMetadata.builder().withKey("order-42").withDelay(Duration.ofMinutes(5)).build())}.
 */
public final class OutgoingQueueMetadata {

    private final Map<String, String> headers;
    private final String key;
    private final String routingKey;
    private final Integer priority;
    private final Duration delay;
    private final Instant deliverAt;
    private final Duration timeToLive;
    private final String deduplicationId;

    private OutgoingQueueMetadata(Builder builder) {
        this.headers = Map.copyOf(builder.headers);
        this.key = builder.key;
        this.routingKey = builder.routingKey;
        this.priority = builder.priority;
        this.delay = builder.delay;
        this.deliverAt = builder.deliverAt;
        this.timeToLive = builder.timeToLive;
        this.deduplicationId = builder.deduplicationId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Headers stored with the message and given back in {@link IncomingQueueMetadata#headers()}. */
    public Map<String, String> headers() {
        return headers;
    }

    /** The message key, or {@code null}. */
    public String key() {
        return key;
    }

    /** The routing key, when the channel publishes through an exchange; {@code null} for the channel's {@code routing-key}. */
    public String routingKey() {
        return routingKey;
    }

    /** The priority (higher first), or {@code null} for the channel's {@code priority}. */
    public Integer priority() {
        return priority;
    }

    /** How long after the send the message becomes deliverable, or {@code null} for the channel's {@code delay}. */
    public Duration delay() {
        return delay;
    }

    /** When the message becomes deliverable, or {@code null}; it wins over any delay. */
    public Instant deliverAt() {
        return deliverAt;
    }

    /** How long after the send the message expires, or {@code null} for the channel's {@code time-to-live}. */
    public Duration timeToLive() {
        return timeToLive;
    }

    /** The deduplication id, or {@code null}. */
    public String deduplicationId() {
        return deduplicationId;
    }

    public static final class Builder {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String key;
        private String routingKey;
        private Integer priority;
        private Duration delay;
        private Instant deliverAt;
        private Duration timeToLive;
        private String deduplicationId;

        private Builder() {
        }

        public Builder withHeader(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder withHeaders(Map<String, String> values) {
            headers.putAll(values);
            return this;
        }

        public Builder withKey(String key) {
            this.key = key;
            return this;
        }

        /** The routing key an exchange matches against its bindings (ignored when the channel sends to a queue). */
        public Builder withRoutingKey(String routingKey) {
            this.routingKey = routingKey;
            return this;
        }

        /** Higher priorities are delivered first; messages of one priority in the order they were sent. */
        public Builder withPriority(int priority) {
            if (priority < Short.MIN_VALUE || priority > Short.MAX_VALUE) {
                throw new IllegalArgumentException("priority must be between " + Short.MIN_VALUE + " and " + Short.MAX_VALUE);
            }
            this.priority = priority;
            return this;
        }

        /** Delivers the message no sooner than this long after it is sent (committed, inside a transaction). */
        public Builder withDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
            this.delay = delay;
            return this;
        }

        /** Delivers the message no sooner than this time (by the database clock). */
        public Builder withDeliverAt(Instant deliverAt) {
            this.deliverAt = deliverAt;
            return this;
        }

        /**
         * Expires the message this long after it is sent, if no consumer has taken it by then: the
         * consumers' {@code expiry-strategy} then moves it to the dead-letter queue or drops it.
         */
        public Builder withTimeToLive(Duration timeToLive) {
            if (timeToLive.isNegative() || timeToLive.isZero()) {
                throw new IllegalArgumentException("time to live must be positive: " + timeToLive);
            }
            this.timeToLive = timeToLive;
            return this;
        }

        /**
         * An idempotency key: a later message with the same id, sent to the same queue (or exchange)
         * within the channel's {@code deduplication-window}, is dropped at insert; its send succeeds.
         */
        public Builder withDeduplicationId(String deduplicationId) {
            this.deduplicationId = deduplicationId;
            return this;
        }

        public OutgoingQueueMetadata build() {
            return new OutgoingQueueMetadata(this);
        }
    }
}
