package dev.pgmessaging.runtime.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The claim floor's schedule, on a made-up clock (nanoseconds). */
class ClaimFloorTest {

    private static final long MS = 1_000_000L;
    private static final Instant VISIBLE = Instant.parse("2026-12-06T10:00:00Z");

    @Test
    void aClaimStartsFromTheHeadUntilOneLeasedSomething() {
        ClaimFloor floor = new ClaimFloor();
        assertTrue(floor.startFromHead(0));
        floor.claimed(0, MS, null, null);
        assertTrue(floor.startFromHead(2 * MS), "no floor yet");
        floor.claimed(2 * MS, 3 * MS, 5, VISIBLE);
        assertFalse(floor.startFromHead(4 * MS));
        assertEquals(5, floor.priority());
        assertEquals(VISIBLE.minus(ClaimFloor.LATE_COMMIT_ALLOWANCE), floor.from());
    }

    @Test
    void aClaimFromTheHeadComesBackAfterTheIntervalOrLaterWhenItWasSlow() {
        ClaimFloor floor = new ClaimFloor(Duration.ofSeconds(1));
        floor.startFromHead(0);
        floor.claimed(0, MS, 0, VISIBLE); // fast: next from the head 1 s after it ended
        assertFalse(floor.startFromHead(1000 * MS));
        assertTrue(floor.startFromHead(1001 * MS));

        floor.claimed(1001 * MS, 1101 * MS, 0, VISIBLE); // 100 ms from the head: 50 × 100 ms = 5 s later
        assertFalse(floor.startFromHead(6000 * MS));
        assertTrue(floor.startFromHead(6101 * MS));

        floor.claimed(6101 * MS, 7101 * MS, 0, VISIBLE); // 1 s from the head: capped at 30 s later
        assertFalse(floor.startFromHead(37_000 * MS));
        assertTrue(floor.startFromHead(37_101 * MS));
    }

    @Test
    void aClaimThatLeasedNothingKeepsTheFloor() {
        ClaimFloor floor = new ClaimFloor();
        floor.startFromHead(0);
        floor.claimed(0, MS, 3, VISIBLE);
        floor.startFromHead(2 * MS);
        floor.claimed(2 * MS, 3 * MS, null, null);
        assertEquals(3, floor.priority());
        assertEquals(VISIBLE.minus(ClaimFloor.LATE_COMMIT_ALLOWANCE), floor.from());
    }
}
