package dev.pgmessaging.runtime.tracing;

import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.api.incubator.semconv.messaging.MessageOperation;
import io.opentelemetry.instrumentation.api.incubator.semconv.messaging.MessagingAttributesExtractor;
import io.opentelemetry.instrumentation.api.incubator.semconv.messaging.MessagingSpanNameExtractor;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.InstrumenterBuilder;
import io.smallrye.reactive.messaging.tracing.TracingUtils;

/**
 * OpenTelemetry spans for one channel, as the Kafka and RabbitMQ connectors make them: a producer
 * span per message sent, whose context goes into the message's headers ({@code traceparent},
 * {@code tracestate}), and a consumer span per message delivered, which continues the trace of its
 * send. Only made when the application has OpenTelemetry ({@code quarkus-opentelemetry}) and the
 * channel's {@code tracing-enabled} is on; otherwise a channel has none, and pays nothing.
 */
public final class MessageTracing {

    private static final String INSTRUMENTATION = "dev.pgmessaging";

    private final Instrumenter<MessageTrace, Void> instrumenter;

    private MessageTracing(Instrumenter<MessageTrace, Void> instrumenter) {
        this.instrumenter = instrumenter;
    }

    /** The tracing of an outgoing channel, or {@code null} when there is none to do. */
    public static MessageTracing forProducer(Instance<OpenTelemetry> openTelemetry, boolean enabled) {
        return enabled && openTelemetry.isResolvable()
                ? new MessageTracing(builder(openTelemetry.get(), MessageOperation.PUBLISH)
                        .buildProducerInstrumenter(TraceHeaders.Setter.INSTANCE))
                : null;
    }

    /** The tracing of an incoming channel, or {@code null} when there is none to do. */
    public static MessageTracing forConsumer(Instance<OpenTelemetry> openTelemetry, boolean enabled) {
        return enabled && openTelemetry.isResolvable()
                ? new MessageTracing(builder(openTelemetry.get(), MessageOperation.RECEIVE)
                        .buildConsumerInstrumenter(TraceHeaders.Getter.INSTANCE))
                : null;
    }

    private static InstrumenterBuilder<MessageTrace, Void> builder(
            OpenTelemetry openTelemetry, MessageOperation operation) {
        return Instrumenter.<MessageTrace, Void> builder(openTelemetry, INSTRUMENTATION,
                MessagingSpanNameExtractor.create(TraceAttributes.GETTER, operation))
                .addAttributesExtractor(MessagingAttributesExtractor.create(TraceAttributes.GETTER, operation))
                .addAttributesExtractor(new TraceAttributes());
    }

    /**
     * Makes the producer span of a message sent to {@code destination}, a child of the sender's
     * trace (the message's tracing metadata, else the current context).
     *
     * @return the headers to store with the message: its own, and the span's context
     */
    public Map<String, String> traceOutgoing(Message<?> message, String destination, Map<String, String> headers) {
        Map<String, String> traced = headers == null ? new HashMap<>() : new HashMap<>(headers);
        TracingUtils.traceOutgoing(instrumenter, message, new MessageTrace(destination, null, null, null, null, traced));
        return traced;
    }

    /**
     * Makes the consumer span of a message delivered, continuing the trace its headers carry, and
     * adds its context to the message's metadata for the handler. A batch is not traced.
     */
    public Message<?> traceIncoming(Message<?> message) {
        MessageTrace trace = message.getMetadata(IncomingQueueMetadata.class)
                .map(m -> new MessageTrace(m.queue(), String.valueOf(m.id()), null, null, m.attempt(), orEmpty(m.headers())))
                .orElseGet(() -> message.getMetadata(IncomingLogMetadata.class)
                        .map(m -> new MessageTrace(m.getTopic(), null, m.getPartition(), m.getOffset(), null,
                                orEmpty(m.getHeaders())))
                        .orElse(null));
        return trace == null ? message : TracingUtils.traceIncoming(instrumenter, message, trace);
    }

    private static Map<String, String> orEmpty(Map<String, String> headers) {
        return headers == null ? Map.of() : headers;
    }
}
