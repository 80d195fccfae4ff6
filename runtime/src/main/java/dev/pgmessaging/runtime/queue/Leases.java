package dev.pgmessaging.runtime.queue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

/**
 * The leases a consumer channel holds: the messages it delivered and has not settled yet, each
 * with its fencing token, when it was claimed and when it expires (System.nanoTime).
 */
final class Leases {

    private record Lease(long token, long claimedAt, long deadline) {
    }

    private final Duration visibilityTimeout;
    private final Duration maxLeaseDuration;
    private final Map<Long, Lease> held = new ConcurrentHashMap<>();

    Leases(Duration visibilityTimeout, Duration maxLeaseDuration) {
        this.visibilityTimeout = visibilityTimeout;
        this.maxLeaseDuration = maxLeaseDuration;
    }

    void hold(ClaimedMessage message) {
        long now = System.nanoTime();
        held.put(message.id(), new Lease(message.leaseToken(), now, now + visibilityTimeout.toNanos()));
    }

    /** Forgets a settled delivery, unless the message was leased again since (a newer token). */
    void forget(ClaimedMessage message) {
        held.computeIfPresent(message.id(), (id, lease) -> lease.token() == message.leaseToken() ? null : lease);
        if (held.isEmpty()) {
            synchronized (held) {
                held.notifyAll();
            }
        }
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Counts the leases still held, forgetting those that expired (their messages are someone else's now). */
    int live() {
        long now = System.nanoTime();
        held.values().removeIf(lease -> lease.deadline() - now < 0);
        return held.size();
    }

    /**
     * Heartbeat: renews, in one statement, the leases that are past a third of their visibility
     * timeout, so that a handler that runs long keeps its message, up to {@code max-lease-duration}
     * after the claim. Leases past that cap are left to expire: the message is then delivered
     * again, as if the consumer had died.
     */
    void renew(QueueStore store, DataSource dataSource) throws SQLException {
        long now = System.nanoTime();
        long renewBefore = now + visibilityTimeout.toNanos() * 2 / 3;
        long cap = maxLeaseDuration.toNanos();
        List<Map.Entry<Long, Lease>> due = held.entrySet().stream()
                .filter(e -> e.getValue().deadline() < renewBefore && e.getValue().deadline() > now
                        && now - e.getValue().claimedAt() + visibilityTimeout.toNanos() <= cap)
                .toList();
        if (due.isEmpty()) {
            return;
        }
        store.extend(dataSource, due.stream().mapToLong(Map.Entry::getKey).toArray(),
                due.stream().mapToLong(e -> e.getValue().token()).toArray(), visibilityTimeout);
        long deadline = now + visibilityTimeout.toNanos();
        due.forEach(e -> held.computeIfPresent(e.getKey(), (id, lease) -> lease.token() == e.getValue().token()
                ? new Lease(lease.token(), lease.claimedAt(), deadline)
                : lease));
    }

    /** How long the channel may sleep before a lease it holds is due for renewal. */
    Duration renewalInterval() {
        return visibilityTimeout.dividedBy(3);
    }

    /** Gives every held message back to the queue at once; @return how many were released. */
    int releaseAll(QueueStore store, DataSource dataSource) throws SQLException {
        if (held.isEmpty()) {
            return 0;
        }
        Map<Long, Lease> snapshot = Map.copyOf(held);
        long[] ids = snapshot.keySet().stream().mapToLong(Long::longValue).toArray();
        long[] tokens = snapshot.keySet().stream().mapToLong(id -> snapshot.get(id).token()).toArray();
        int released = store.release(dataSource, ids, tokens, new double[ids.length]);
        held.clear();
        return released;
    }

    /** Waits until no lease is held, the deadline (System.nanoTime) passes, or {@code alive} turns false. */
    void awaitEmpty(long deadline, BooleanSupplier alive) {
        synchronized (held) {
            long left;
            while (!held.isEmpty() && alive.getAsBoolean() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    // bounded: a lease may also go by expiry, which notifies nobody
                    TimeUnit.NANOSECONDS.timedWait(held, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
