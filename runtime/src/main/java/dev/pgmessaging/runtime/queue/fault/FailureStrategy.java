package dev.pgmessaging.runtime.queue.fault;

import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.Settlements;

/**
 * What a queue channel does with a message whose processing failed (it was nacked), chosen with
 * the channel attribute {@code failure-strategy}.
 */
public interface FailureStrategy {

    /** The strategy names, as written in {@code failure-strategy}. */
    String FAIL = "fail";
    String IGNORE = "ignore";
    String RETRY = "retry";
    String DEAD_LETTER = "dead-letter";

    void onFailure(ClaimedMessage message, Throwable reason, Settlements settlements);

    /**
     * @param name one of {@link #FAIL}, {@link #IGNORE}, {@link #RETRY}, {@link #DEAD_LETTER}
     * @return the strategy, or {@code null} for an unknown name
     */
    static FailureStrategy of(String name, int maxAttempts, Backoff backoff) {
        return switch (name) {
            case FAIL -> new FailStop();
            case IGNORE -> new IgnoreFailure();
            case RETRY -> new Retry(maxAttempts, backoff, Retry.WhenExhausted.DROP);
            case DEAD_LETTER -> new Retry(maxAttempts, backoff, Retry.WhenExhausted.DEAD_LETTER);
            default -> null;
        };
    }
}
