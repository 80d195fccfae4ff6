package dev.pgmessaging.runtime.api;

import java.util.List;

/**
 * Metadata of a batch of records received together from a {@code postgres} topic channel
 * ({@code batch=true}, set when the method takes {@code List<T>} or {@code Message<List<T>>}): the
 * metadata of each record, in the order of the payloads.
 *
 * @param topic the topic they were read from
 * @param records one per record, in the order of the payloads
 */
public record IncomingLogBatchMetadata(String topic, List<IncomingLogMetadata<?>> records) {
}
