package dev.pgmessaging.runtime.tracing;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

/** The W3C trace context ({@code traceparent}, {@code tracestate}) in a message's headers. */
final class TraceHeaders {

    private TraceHeaders() {
    }

    /** Writes it into the headers of a message being sent. */
    enum Setter implements TextMapSetter<MessageTrace> {
        INSTANCE;

        @Override
        public void set(MessageTrace trace, String key, String value) {
            if (trace != null) {
                trace.headers().put(key, value);
            }
        }
    }

    /** Reads it from the headers of a message delivered. */
    enum Getter implements TextMapGetter<MessageTrace> {
        INSTANCE;

        @Override
        public Iterable<String> keys(MessageTrace trace) {
            return trace.headers().keySet();
        }

        @Override
        public String get(MessageTrace trace, String key) {
            return trace == null ? null : trace.headers().get(key);
        }
    }
}
