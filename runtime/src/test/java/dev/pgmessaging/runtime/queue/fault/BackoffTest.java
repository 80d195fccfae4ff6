package dev.pgmessaging.runtime.queue.fault;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    @Test
    void theDelayDoublesWithEachAttemptBetweenHalfAndAllOfIt() {
        for (int i = 0; i < 200; i++) {
            assertBetween(50, 100, backoff.delay(1));
            assertBetween(100, 200, backoff.delay(2));
            assertBetween(400, 800, backoff.delay(4));
        }
    }

    @Test
    void theDelayStopsGrowingAtTheMaximumWithoutOverflowing() {
        for (int attempt : new int[] { 8, 9, 40, 63, 64, 1_000, Integer.MAX_VALUE }) {
            assertBetween(5_000, 10_000, backoff.delay(attempt));
        }
        assertBetween(0, 1, new Backoff(Duration.ZERO, Duration.ofMillis(1)).delay(100));
    }

    private static void assertBetween(long lowMillis, long highMillis, Duration delay) {
        assertTrue(delay.toMillis() >= lowMillis && delay.toMillis() <= highMillis,
                delay + " not within " + lowMillis + "–" + highMillis + " ms");
    }
}
