package dev.pgmessaging.runtime.sql;

import java.time.Duration;

/**
 * How long the connector's own statements may wait for the server (see {@link BoundedDataSource}):
 * short enough that a channel whose connection went half-open retries on another one well before
 * its leases or its group session expire, long enough for any statement of a healthy database.
 */
public final class StatementTimeouts {

    private static final Duration LONGEST = Duration.ofSeconds(10);
    private static final Duration SHORTEST = Duration.ofSeconds(1);
    /** Producers' writes, the idle poller and the notification listener's checks. */
    public static final Duration DEFAULT = LONGEST;
    /** The upkeep, whose rounds may wait for locks of the application's transactions. */
    public static final Duration UPKEEP = Duration.ofSeconds(60);

    private StatementTimeouts() {
    }

    /** A queue consumer's: a third of the visibility timeout (leases are renewed every third of it). */
    public static Duration ofLeases(Duration visibilityTimeout) {
        return clamp(visibilityTimeout.dividedBy(3));
    }

    /** A topic consumer's: a third of the session timeout (members heartbeat every third of it). */
    public static Duration ofSessions(Duration sessionTimeout) {
        return clamp(sessionTimeout.dividedBy(3));
    }

    private static Duration clamp(Duration timeout) {
        return timeout.compareTo(SHORTEST) < 0 ? SHORTEST : timeout.compareTo(LONGEST) > 0 ? LONGEST : timeout;
    }
}
