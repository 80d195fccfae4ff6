package dev.pgmessaging.runtime.tracing;

import java.util.List;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.incubator.semconv.messaging.MessagingAttributesGetter;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;

/**
 * The attributes of a message's span: the messaging semantic conventions (system
 * {@code postgresql}, destination, message id, partition) through {@link #GETTER}, and those the
 * conventions have no name for: a record's offset and a queue message's delivery attempt.
 */
final class TraceAttributes implements AttributesExtractor<MessageTrace, Void> {

    static final String SYSTEM = "postgresql";
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.postgresql.message.offset");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("messaging.postgresql.message.attempt");

    static final MessagingAttributesGetter<MessageTrace, Void> GETTER = new MessagingAttributesGetter<>() {
        @Override
        public String getSystem(MessageTrace trace) {
            return SYSTEM;
        }

        @Override
        public String getDestination(MessageTrace trace) {
            return trace.destination();
        }

        @Override
        public String getDestinationTemplate(MessageTrace trace) {
            return null;
        }

        @Override
        public boolean isTemporaryDestination(MessageTrace trace) {
            return false;
        }

        @Override
        public boolean isAnonymousDestination(MessageTrace trace) {
            return false;
        }

        @Override
        public String getConversationId(MessageTrace trace) {
            return null;
        }

        @Override
        public Long getMessageBodySize(MessageTrace trace) {
            return null;
        }

        @Override
        public Long getMessageEnvelopeSize(MessageTrace trace) {
            return null;
        }

        @Override
        public String getMessageId(MessageTrace trace, Void unused) {
            return trace.messageId();
        }

        @Override
        public String getClientId(MessageTrace trace) {
            return null;
        }

        @Override
        public Long getBatchMessageCount(MessageTrace trace, Void unused) {
            return null;
        }

        @Override
        public String getDestinationPartitionId(MessageTrace trace) {
            return trace.partition() == null ? null : trace.partition().toString();
        }

        @Override
        public List<String> getMessageHeader(MessageTrace trace, String name) {
            String value = trace.headers().get(name);
            return value == null ? List.of() : List.of(value);
        }
    };

    @Override
    public void onStart(AttributesBuilder attributes, Context parentContext, MessageTrace trace) {
        if (trace.offset() != null) {
            attributes.put(OFFSET, trace.offset());
        }
        if (trace.attempt() != null) {
            attributes.put(ATTEMPT, trace.attempt().longValue());
        }
    }

    @Override
    public void onEnd(AttributesBuilder attributes, Context context, MessageTrace trace, Void unused, Throwable error) {
    }
}
