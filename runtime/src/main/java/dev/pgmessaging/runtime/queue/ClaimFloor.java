package dev.pgmessaging.runtime.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * Where a consumer's next claim starts looking: the priority and visible time of the first message
 * its previous claim leased (claim_messages, in the schema baseline V1__baseline.sql, says why a
 * claim should not start at the head of the queue every time). Used by one consuming thread.
 * <p>
 * A message can still come in behind the floor: one whose transaction commits more than
 * {@link #LATE_COMMIT_ALLOWANCE} after it began (it is visible from its transaction's start), a
 * lease that expired, a row another claim or the slot rotation had locked. So now and then a claim
 * starts from the head: at least {@link #FROM_HEAD_INTERVAL} apart, and further apart when such a
 * claim is slow (the dead entries it walks are what the floor avoids), so that those claims take at
 * most about 1/{@link #FROM_HEAD_COST_SHARE} of the consumer's time, but never more than
 * {@link #MAX_FROM_HEAD_INTERVAL} apart. A claim from the head is slow only while a backlog is
 * worked off with the xmin horizon held, when the message behind the floor waits behind that
 * backlog anyway.
 */
public final class ClaimFloor {

    /** How much earlier than the floor a claim looks, for transactions that commit a little late. */
    static final Duration LATE_COMMIT_ALLOWANCE = Duration.ofMillis(100);
    /** The least time between two claims from the head. */
    static final Duration FROM_HEAD_INTERVAL = Duration.ofSeconds(1);
    /** A claim from the head that took d comes again no sooner than this many times d later. */
    static final int FROM_HEAD_COST_SHARE = 50;
    /**
     * The most time between two claims from the head however slow they are, so that a message
     * behind the floor waits no longer than this for one.
     */
    static final Duration MAX_FROM_HEAD_INTERVAL = Duration.ofSeconds(30);

    private final long fromHeadIntervalNanos;
    private Integer priority;
    private Instant visibleAt;
    private long nextFromHead;
    private boolean fromHead = true;

    public ClaimFloor() {
        this(FROM_HEAD_INTERVAL);
    }

    /** @param fromHeadInterval the least time between two claims from the head */
    public ClaimFloor(Duration fromHeadInterval) {
        this.fromHeadIntervalNanos = fromHeadInterval.toNanos();
    }

    /**
     * Whether the claim about to run at {@code nanoTime} starts from the head; if not, it starts at
     * {@link #priority()} and {@link #from()}.
     */
    boolean startFromHead(long nanoTime) {
        fromHead = priority == null || nanoTime - nextFromHead >= 0;
        return fromHead;
    }

    Integer priority() {
        return priority;
    }

    /** The visible time from which messages of {@link #priority()} are looked for. */
    Instant from() {
        return visibleAt.minus(LATE_COMMIT_ALLOWANCE);
    }

    /**
     * Records the claim that started at {@code startedNanos} and ended at {@code endedNanos}.
     *
     * @param firstPriority the priority of the first message it leased in claim order, or
     *        {@code null} if it leased none (the floor stays where it was)
     * @param firstVisibleAt the visible time of that message before it was leased
     */
    void claimed(long startedNanos, long endedNanos, Integer firstPriority, Instant firstVisibleAt) {
        if (fromHead) {
            long cost = Math.min((endedNanos - startedNanos) * FROM_HEAD_COST_SHARE, MAX_FROM_HEAD_INTERVAL.toNanos());
            nextFromHead = endedNanos + Math.max(fromHeadIntervalNanos, cost);
        }
        if (firstPriority != null) {
            priority = firstPriority;
            visibleAt = firstVisibleAt;
        }
    }
}
