package dev.pgmessaging.runtime.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metadata a producer attaches to a message sent to a {@code postgres} queue channel:
 * {@code Message.of(payload).addMetadata(OutgoingQueueMetadata.builder().withKey("order-42").build())}.
 */
public final class OutgoingQueueMetadata {

    private final Map<String, String> headers;
    private final String key;

    private OutgoingQueueMetadata(Builder builder) {
        this.headers = Map.copyOf(builder.headers);
        this.key = builder.key;
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

    public static final class Builder {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String key;

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

        public OutgoingQueueMetadata build() {
            return new OutgoingQueueMetadata(this);
        }
    }
}
