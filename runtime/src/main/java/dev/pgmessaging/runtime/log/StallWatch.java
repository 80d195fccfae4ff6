package dev.pgmessaging.runtime.log;

import java.util.HashMap;
import java.util.Map;

/**
 * Notices a partition this member owns that makes no progress while records wait in it: its read
 * position and committed offset have not moved for {@code threshold} while the log holds records
 * past the committed offset. Checked at each heartbeat.
 * <p>
 * Two cases: records wait to be read while none of the partition's records is with the handler,
 * which only a fault of the channel can explain (a partition once stayed "draining" after a
 * rebalance gave it back, owned and never read again): the channel reads the partition again from
 * its committed offset ({@link Verdict#READ_AGAIN}); or the handler holds some of its records all
 * that time ({@link Verdict#HANDLER_HOLDS}): a handler that hangs, which only a warning can
 * point at. Each is reported once per stall.
 */
final class StallWatch {

    enum Verdict {
        PROGRESSING,
        /** Still stalled, and reported already. */
        REPORTED,
        READ_AGAIN,
        HANDLER_HOLDS
    }

    private record Seen(long position, long committed, long since, boolean reported) {
    }

    private final long thresholdNanos;
    private final Map<Integer, Seen> seen = new HashMap<>();

    StallWatch(long thresholdNanos) {
        this.thresholdNanos = thresholdNanos;
    }

    long threshold() {
        return thresholdNanos;
    }

    /**
     * @param logEnd the partition's log end offset, as the heartbeat read it
     * @param readable whether the channel could read it now (reading, with room ahead of the handler)
     * @param now System.nanoTime
     */
    Verdict check(int partition, long position, long committed, long logEnd, int inFlight, boolean readable, long now) {
        Seen last = seen.get(partition);
        boolean waiting = logEnd > committed;
        if (last == null || !waiting || last.position() != position || last.committed() != committed) {
            seen.put(partition, new Seen(position, committed, now, false));
            return Verdict.PROGRESSING;
        }
        if (now - last.since() < thresholdNanos) {
            return Verdict.PROGRESSING;
        }
        if (last.reported()) {
            return Verdict.REPORTED;
        }
        if (inFlight > 0) {
            seen.put(partition, new Seen(position, committed, last.since(), true));
            return Verdict.HANDLER_HOLDS;
        }
        if (!readable) {
            return Verdict.PROGRESSING; // stopped, or no room ahead of the handler: not a stall of its own
        }
        seen.remove(partition); // read again: watched from scratch
        return Verdict.READ_AGAIN;
    }

    /** Forgets the partitions no longer owned. */
    void retain(java.util.Set<Integer> owned) {
        seen.keySet().retainAll(owned);
    }
}
