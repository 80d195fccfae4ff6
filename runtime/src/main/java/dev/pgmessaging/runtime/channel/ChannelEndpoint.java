package dev.pgmessaging.runtime.channel;

/**
 * One end of a {@code postgres} channel in this application, incoming or outgoing, queue or topic:
 * what the connector's health checks report of it and how it stops. The connector keeps one list
 * of them; health and shutdown go over it once.
 * <p>
 * Shutdown runs in three passes over every endpoint: {@link #stopTakingWork()}, then
 * {@link #awaitSettled(long)}, then {@link #stop()}.
 */
public interface ChannelEndpoint {

    String channel();

    /** Why the channel cannot work now (its database cannot be reached, or it stopped for good), or {@code null}. */
    String failure();

    /** Whether its thread runs: a channel stopped for good is not live. */
    boolean isAlive();

    /**
     * Whether it is under way: a producer is from its creation (what is sent waits for the database
     * within its delivery timeout); a consumer once it reached its database.
     */
    default boolean hasStarted() {
        return true;
    }

    /**
     * The first pass of shutdown: a consumer stops claiming or reading (what it delivered is still
     * settled); a producer writes what it holds, then stops.
     */
    void stopTakingWork();

    /**
     * The second pass: waits for what was delivered to be acked or nacked, at most until the
     * channel's {@code shutdown-timeout} after {@code since} (a System.nanoTime, so that channels
     * stopping together wait together).
     */
    default void awaitSettled(long since) {
    }

    /** The last pass: stops the channel's thread, giving back what is unfinished, and waits for it. */
    void stop();
}
