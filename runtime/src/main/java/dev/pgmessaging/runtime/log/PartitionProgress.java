package dev.pgmessaging.runtime.log;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a group member knows of one partition it owns: the epoch that fences its commits, the next
 * offset to fetch, and which delivered records were acked, from which it derives the offset to
 * commit: the first one not acked yet, so that acks arriving out of order never commit past a
 * record still being processed.
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
    /** Every offset from the start below it was acked (guarded by this). */
    private long ackedUpTo;
    /** Acked offsets above {@link #ackedUpTo}, acked out of order (guarded by this). */
    private final TreeSet<Long> ackedAhead = new TreeSet<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    PartitionProgress(int partition, long epoch, long committed) {
        this.partition = partition;
        this.epoch = epoch;
        this.position = committed;
        this.committed = committed;
        this.ackedUpTo = committed;
    }

    void delivered() {
        inFlight.incrementAndGet();
    }

    /**
     * A delivered record was acked (any thread). Acks mostly come in offset order: then this only
     * moves {@link #ackedUpTo} on.
     */
    void acked(long offset) {
        synchronized (this) {
            if (offset == ackedUpTo) {
                ackedUpTo++;
                while (!ackedAhead.isEmpty() && ackedAhead.first() == ackedUpTo) {
                    ackedAhead.pollFirst();
                    ackedUpTo++;
                }
            } else if (offset > ackedUpTo) {
                ackedAhead.add(offset);
            }
        }
        inFlight.decrementAndGet();
    }

    /** A delivered record will not be acked (nacked and ignored, or its channel failed). */
    void abandoned() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** The offset to commit now: the first one from the last commit on that has not been acked. */
    synchronized long committable() {
        return ackedUpTo;
    }

    /** The offset to commit once {@code offsets} are acked too (they are not marked acked here). */
    synchronized long committableWith(Set<Long> offsets) {
        long next = ackedUpTo;
        while (offsets.contains(next) || ackedAhead.contains(next)) {
            next++;
        }
        return next;
    }

    /** The group committed up to {@code next}. */
    void committedUpTo(long next) {
        committed = next;
    }
}
