package dev.pgmessaging.runtime.channel;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What an incoming channel reports of itself to the health checks: the problem of its last
 * statement (cleared by the next one that works), and whether the {@code fail} strategy stopped
 * it for good; and, so that its log says it once per streak, whether a handler's failure caused by
 * the database was reported already.
 */
public final class ChannelState {

    private static final String STOPPED = "stopped by the fail strategy: ";

    /** What went wrong with the last statement, cleared by the next one that works. */
    private volatile String failure;
    /**
     * Why the fail strategy stopped the channel: kept apart from {@link #failure}, which a statement
     * still running when the channel stopped would clear, reporting a stopped channel healthy.
     */
    private volatile String stopped;
    private final AtomicBoolean databaseFailureReported = new AtomicBoolean();
    /** Whether a statement of the channel worked once: it started. */
    private volatile boolean reachedDatabase;

    /** The problem to report, or {@code null} when the channel works. */
    public String failure() {
        String stoppedBy = stopped;
        return stoppedBy != null ? stoppedBy : failure;
    }

    /** A statement of the channel failed: {@code true} for the first failure since one worked (log it). */
    public boolean statementFailed(Exception e) {
        boolean first = failure == null;
        failure = String.valueOf(e.getMessage());
        return first;
    }

    /** A statement of the channel worked. */
    public void statementWorked() {
        failure = null;
        if (!reachedDatabase) { // a read, not a write, on every turn
            reachedDatabase = true;
        }
    }

    /** Whether a statement of the channel ever worked. */
    public boolean reachedDatabase() {
        return reachedDatabase;
    }

    /** The fail strategy stops the channel for good: {@code true} for the call that stopped it. */
    public synchronized boolean stop(Throwable reason) {
        if (stopped != null) {
            return false;
        }
        stopped = STOPPED + reason;
        return true;
    }

    public boolean isStopped() {
        return stopped != null;
    }

    /** A handler failed because the database did: {@code true} for the first time in a streak (log it). */
    public boolean handlerMetDatabaseFailure() {
        return databaseFailureReported.compareAndSet(false, true);
    }

    /** A message was handled: the streak of database failures under handlers, if any, ended. */
    public void handled() {
        if (databaseFailureReported.get()) { // a read, not a write, on every ack
            databaseFailureReported.set(false);
        }
    }
}
