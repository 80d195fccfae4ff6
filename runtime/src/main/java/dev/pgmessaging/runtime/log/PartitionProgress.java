package dev.pgmessaging.runtime.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a group member knows of one partition it owns: the epoch that fences its commits, the next
 * offset to fetch, and which offsets are settled (their records acked, or dropped by retention
 * before they were read), from which it derives the offset to commit: the first one not settled
 * yet, so that acks arriving out of order never commit past a record still being processed.
 * <p>
 * A record that failed for a reason that is not its own (the database went away under its
 * handler) is read again, and so is every record after it ({@link #rewind}): the deliveries made
 * before from that offset on are then stale, and can neither settle an offset nor commit one.
 * Each delivery carries the read generation it was made in for that check.
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
    /** The generation of the records read now; each rewind starts a new one. */
    private volatile int generation;
    /** Each rewind: the generation it started, and the offset from which older deliveries are stale (guarded by this). */
    private final List<long[]> rewinds = new ArrayList<>();
    /** Where to read from again at the next fetch, or -1; written under this, set before {@link #generation}. */
    private volatile long rewindTo = -1;
    /** Threads waiting in {@link #awaitSettledBelow} (guarded by this): acks notify only when there are some. */
    private int waiters;

    PartitionProgress(int partition, long epoch, long committed) {
        this.partition = partition;
        this.epoch = epoch;
        this.position = committed;
        this.committed = committed;
        this.settledUpTo = committed;
    }

    /**
     * The generation a record read now belongs to, counting it in flight; -1 when a rewind is
     * pending: the record is not delivered, it is read again from the rewind's offset.
     */
    int deliver() {
        // the generation first: a rewind sets rewindTo before it moves the generation on, so a record
        // read before the rewind either is skipped here or carries a generation the rewind makes stale
        int current = generation;
        if (rewindTo >= 0) {
            return -1;
        }
        inFlight.incrementAndGet();
        return current;
    }

    /** Whether a delivery made in {@code generation} was overtaken by a rewind to an offset at or before its own. */
    boolean isStale(int deliveryGeneration, long offset) {
        if (deliveryGeneration == generation) {
            return false; // no rewind since
        }
        synchronized (this) {
            for (long[] rewind : rewinds) {
                if (rewind[0] > deliveryGeneration && offset >= rewind[1]) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Reads the partition again from {@code offset} (any thread): the deliveries made so far of that
     * offset and those after it become stale, and their offsets unsettled.
     */
    synchronized void rewind(long offset) {
        int next = generation + 1;
        rewinds.add(new long[] { next, offset });
        rewindTo = rewindTo < 0 ? offset : Math.min(rewindTo, offset);
        generation = next;
        settledAhead.tailMap(offset, true).clear();
        Map.Entry<Long, Long> spanning = settledAhead.lowerEntry(offset);
        if (spanning != null && spanning.getValue() > offset) {
            spanning.setValue(offset);
        }
        settledUpTo = Math.min(settledUpTo, offset);
    }

    /** On the consumer thread: moves the read position back to a pending rewind's offset, if any. */
    void applyRewind() {
        if (rewindTo < 0) {
            return;
        }
        synchronized (this) {
            if (rewindTo >= 0) {
                position = rewindTo;
                rewindTo = -1;
            }
        }
    }

    /** A delivered record was acked (any thread): its offset is settled unless the delivery is stale. */
    void acked(long offset, int deliveryGeneration) {
        synchronized (this) {
            if (!isStale(deliveryGeneration, offset)) {
                settle(offset, offset + 1);
                if (waiters > 0) {
                    notifyAll();
                }
            }
        }
        inFlight.decrementAndGet();
    }

    /** A delivered record will not be acked (nacked, stale, or its channel stopped). */
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

    /**
     * Waits until every offset below {@code offset} is settled, or until {@code deadline}
     * (System.nanoTime): records handled out of order commit in offset order.
     *
     * @return whether they are
     */
    synchronized boolean awaitSettledBelow(long offset, long deadline) throws InterruptedException {
        long left;
        waiters++;
        try {
            while (settledUpTo < offset && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } finally {
            waiters--;
        }
        return settledUpTo >= offset;
    }

    /** The group committed up to {@code next}. */
    void committedUpTo(long next) {
        committed = next;
    }
}
