package dev.pgmessaging.runtime.log;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a group member knows of one partition it owns: the epoch that fences its commits, the next
 * offset to fetch, and which offsets are settled (their records acked, or dropped by retention
 * before they were read), from which it derives the offset to commit: the first one not settled
 * yet, so that acks arriving out of order never commit past a record still being processed.
 */
final class PartitionProgress {

    final int partition;
    final long epoch;
    /** The next offset to fetch. Only the consumer thread touches it. */
    long position;
    /** The next offset the group has committed (or is about to). Only the consumer thread touches it. */
    long committed;
    /** No longer this member's share: fetch no more, give it up once its records are settled. */
    volatile boolean draining;
    /** Every offset from the start below it is settled (guarded by this). */
    private long settledUpTo;
    /**
     * Settled ranges above {@link #settledUpTo}, start to end (exclusive): records acked out of
     * order, or dropped by retention (guarded by this).
     */
    private final TreeMap<Long, Long> settledAhead = new TreeMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    PartitionProgress(int partition, long epoch, long committed) {
        this.partition = partition;
        this.epoch = epoch;
        this.position = committed;
        this.committed = committed;
        this.settledUpTo = committed;
    }

    void delivered() {
        inFlight.incrementAndGet();
    }

    /** A delivered record was acked (any thread). */
    void acked(long offset) {
        synchronized (this) {
            settle(offset, offset + 1);
        }
        inFlight.decrementAndGet();
    }

    /** A delivered record will not be acked (nacked and ignored, or its channel failed). */
    void abandoned() {
        inFlight.decrementAndGet();
    }

    /** The records from {@code from} to {@code to} (exclusive) were dropped by retention before they were read. */
    synchronized void dropped(long from, long to) {
        settle(from, to);
    }

    /** Acks mostly come in offset order: then this only moves {@link #settledUpTo} on. */
    private void settle(long from, long to) {
        if (to <= settledUpTo) {
            return;
        }
        if (from > settledUpTo) {
            settledAhead.merge(from, to, Math::max);
            return;
        }
        settledUpTo = to;
        Map.Entry<Long, Long> next;
        while ((next = settledAhead.firstEntry()) != null && next.getKey() <= settledUpTo) {
            settledAhead.pollFirstEntry();
            settledUpTo = Math.max(settledUpTo, next.getValue());
        }
    }

    int inFlight() {
        return inFlight.get();
    }

    /** The offset to commit now: the first one from the last commit on that is not settled. */
    synchronized long committable() {
        return settledUpTo;
    }

    /** The offset to commit once {@code offsets} are acked too (they are not marked acked here). */
    synchronized long committableWith(Set<Long> offsets) {
        long next = settledUpTo;
        while (true) {
            if (offsets.contains(next)) {
                next++;
                continue;
            }
            Map.Entry<Long, Long> range = settledAhead.floorEntry(next);
            if (range == null || range.getValue() <= next) {
                return next;
            }
            next = range.getValue();
        }
    }

    /** The group committed up to {@code next}. */
    void committedUpTo(long next) {
        committed = next;
    }
}
