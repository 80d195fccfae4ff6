package dev.pgmessaging.runtime.queue.fault;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.Settlements;

/**
 * {@code retry} and {@code dead-letter}: a failed message is delivered again after an
 * exponential backoff with jitter, until it has been delivered {@code max-attempts} times; after
 * the last failed attempt it is dropped with an error ({@code retry}) or moved to the
 * dead-letter queue with the reason in its headers ({@code dead-letter}). Every message thus
 * ends exactly once: processed, or given up on (at-least-once until then).
 */
final class Retry implements FailureStrategy {

    enum WhenExhausted {
        DROP,
        DEAD_LETTER
    }

    private final int maxAttempts;
    private final Backoff backoff;
    private final WhenExhausted whenExhausted;

    Retry(int maxAttempts, Backoff backoff, WhenExhausted whenExhausted) {
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.whenExhausted = whenExhausted;
    }

    @Override
    public void onFailure(ClaimedMessage message, Throwable reason, Settlements settlements) {
        if (message.attempt() < maxAttempts) {
            settlements.release(message, backoff.delay(message.attempt()));
        } else if (whenExhausted == WhenExhausted.DEAD_LETTER) {
            settlements.deadLetter(message, reason);
        } else {
            LOG.retriesExhausted(settlements.channel(), message.id(), message.attempt(), reason);
            settlements.ack(message);
        }
    }
}
