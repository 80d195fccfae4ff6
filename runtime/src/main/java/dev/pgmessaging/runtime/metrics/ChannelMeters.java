package dev.pgmessaging.runtime.metrics;

import java.time.Instant;

/**
 * What a channel counts for its meters ({@link MessagingMeters}). A channel of an application
 * without metrics has {@link #NONE}, whose calls do nothing.
 */
public interface ChannelMeters {

    /** Counts nothing: the application has no metrics, or turned them off. */
    ChannelMeters NONE = new ChannelMeters() {
    };

    /** Whether anything is counted: the time a handler starts is only read then. */
    default boolean counting() {
        return false;
    }

    /** Messages written to the database (the producer's own transaction, or the caller's). */
    default void sent(int messages) {
    }

    /** Messages among those sent that the database dropped as duplicates. */
    default void deduplicated(int messages) {
    }

    /** Queue messages whose time to live ran out, taken care of by a claim. */
    default void expired(int messages) {
    }

    /** A message handed to the application, sent at {@code sentAt}. */
    default void delivered(Instant sentAt) {
    }

    /** Messages acked, after their handler ran for {@code handlerNanos}. */
    default void acked(int messages, long handlerNanos) {
    }

    /** Messages nacked, after their handler ran for {@code handlerNanos}. */
    default void nacked(int messages, long handlerNanos) {
    }

    /** Messages given back to their queue to be delivered again (a retry). */
    default void retried(int messages) {
    }

    /** Messages moved to the dead-letter queue. */
    default void deadLettered(int messages) {
    }
}
