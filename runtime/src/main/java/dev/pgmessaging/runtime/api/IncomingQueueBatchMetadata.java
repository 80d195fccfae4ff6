package dev.pgmessaging.runtime.api;

import java.util.List;

/**
 * Metadata of a batch received from a {@code postgres} queue channel ({@code batch=true}, set when
 * the {@code @Incoming} method takes {@code List<T>} or {@code Message<List<T>>}).
 *
 * @param queue the queue the messages were claimed from
 * @param messages the metadata of each message, in the order of the payload list
 */
public record IncomingQueueBatchMetadata(String queue, List<IncomingQueueMetadata> messages) {
}
