package dev.pgmessaging.runtime.tracing;

import java.util.Map;

/**
 * What a span says of one message, and the headers the trace context travels in: written into them
 * on the way out, read from them on the way in.
 *
 * @param destination the queue, exchange or topic
 * @param messageId the queue message's id, or {@code null} (not known before it is stored)
 * @param partition the topic partition, or {@code null}
 * @param offset the record's offset, or {@code null}
 * @param attempt the delivery attempt of a queue message (1 for the first), or {@code null}
 * @param headers the message's headers; mutable on the way out
 */
record MessageTrace(String destination, String messageId, Integer partition, Long offset, Integer attempt,
        Map<String, String> headers) {
}
