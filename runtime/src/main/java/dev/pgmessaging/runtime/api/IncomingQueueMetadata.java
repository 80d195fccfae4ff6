package dev.pgmessaging.runtime.api;

import java.time.Instant;
import java.util.Map;

/**
 * Metadata of a message received from a {@code postgres} queue channel.
 *
 * @param queue the queue the message was claimed from
 * @param id the message id, unique within the schema
 * @param attempt the delivery attempt, 1 for the first delivery
 * @param headers the headers set by the producer (never {@code null})
 * @param enqueuedAt when the message was sent
 * @param key the message key set by the producer, or {@code null}
 * @param contentType the content type the payload was stored with, or {@code null}
 * @param exchange the exchange that routed the message to the queue, or {@code null} if it was sent to the queue
 * @param routingKey the routing key it was published with, or {@code null} if it was sent to the queue
 */
public record IncomingQueueMetadata(String queue, long id, int attempt, Map<String, String> headers,
        Instant enqueuedAt, String key, String contentType, String exchange, String routingKey) {
}
