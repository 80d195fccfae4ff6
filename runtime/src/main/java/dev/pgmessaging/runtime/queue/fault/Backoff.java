package dev.pgmessaging.runtime.queue.fault;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: after attempt n the delay is drawn between half and all of
 * {@code min(max, initial * 2^(n-1))}. The jitter spreads the retries of messages that failed
 * together (say, while a downstream service was down) instead of bringing them back at once.
 */
public record Backoff(Duration initial, Duration max) {

    public Duration delay(int attempt) {
        long initialMillis = Math.max(1, initial.toMillis());
        int doublings = Math.max(attempt - 1, 0);
        // shifting past the leading zeros would overflow: the maximum is reached long before
        boolean capped = doublings >= Long.numberOfLeadingZeros(initialMillis) - 1;
        long full = capped ? max.toMillis() : Math.min(max.toMillis(), initialMillis << doublings);
        long half = full / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(full - half + 1));
    }
}
