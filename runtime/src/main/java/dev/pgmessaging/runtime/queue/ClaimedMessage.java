package dev.pgmessaging.runtime.queue;

import java.time.Instant;
import java.util.Comparator;

/**
 * A message leased by a claim; {@code leaseToken} fences ack and release to this delivery.
 * {@code exchange} and {@code routingKey} are {@code null} unless it was published through an exchange.
 */
public record ClaimedMessage(long id, long leaseToken, int attempt, int priority, Instant enqueuedAt, String key,
        String contentType, String headers, byte[] payload, String exchange, String routingKey) {

    /** The order a claim leases in: priority first, then FIFO. */
    static final Comparator<ClaimedMessage> CLAIM_ORDER = Comparator
            .comparingInt(ClaimedMessage::priority).reversed()
            .thenComparingLong(ClaimedMessage::id);
}
