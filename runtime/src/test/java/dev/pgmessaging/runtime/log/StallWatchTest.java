package dev.pgmessaging.runtime.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.pgmessaging.runtime.log.StallWatch.Verdict;

/** When a partition counts as stalled, and what the channel does about it (pure logic: no database). */
class StallWatchTest {

    static final long SECOND = 1_000_000_000L;

    @Test
    void aPartitionWhereRecordsWaitAndNothingMovesIsReadAgainAfterTheThreshold() {
        StallWatch watch = new StallWatch(30 * SECOND);
        assertEquals(Verdict.PROGRESSING, watch.check(0, 10, 10, 50, 0, true, 0));
        assertEquals(Verdict.PROGRESSING, watch.check(0, 10, 10, 50, 0, true, 29 * SECOND));
        assertEquals(Verdict.READ_AGAIN, watch.check(0, 10, 10, 50, 0, true, 31 * SECOND));
        // watched from scratch after that
        assertEquals(Verdict.PROGRESSING, watch.check(0, 10, 10, 50, 0, true, 32 * SECOND));
    }

    @Test
    void aHandlerHoldingRecordsIsReportedOnceAndNotReadAgain() {
        StallWatch watch = new StallWatch(30 * SECOND);
        watch.check(1, 20, 10, 50, 10, true, 0);
        assertEquals(Verdict.HANDLER_HOLDS, watch.check(1, 20, 10, 50, 10, true, 31 * SECOND));
        assertEquals(Verdict.REPORTED, watch.check(1, 20, 10, 50, 10, true, 62 * SECOND));
    }

    @Test
    void progressOrNothingWaitingIsNoStall() {
        StallWatch watch = new StallWatch(30 * SECOND);
        watch.check(2, 10, 10, 10, 0, true, 0);
        assertEquals(Verdict.PROGRESSING, watch.check(2, 10, 10, 10, 0, true, 60 * SECOND), "nothing waits");
        watch.check(3, 10, 10, 50, 0, true, 0);
        assertEquals(Verdict.PROGRESSING, watch.check(3, 11, 10, 50, 0, true, 40 * SECOND), "the position moved");
        assertEquals(Verdict.PROGRESSING, watch.check(3, 11, 10, 50, 0, false, 80 * SECOND),
                "not readable (stopped, or no room ahead of the handler)");
    }
}
