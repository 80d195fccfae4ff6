package dev.pgmessaging.runtime.api;

import java.time.Duration;

/**
 * A queue and its messages, counted by state ({@link PostgresMessaging#queues}).
 *
 * @param name the queue
 * @param ready messages a consumer may take now (never leased, or their lease ran out)
 * @param delayed messages not visible yet (a delay, a retry's backoff)
 * @param inFlight messages a consumer leased, within their visibility timeout
 * @param deadLetterQueue the queue its dead letters go to: the {@code dead-letter-queue} of this
 *        application's channel consuming it, else {@code <name>.dlq}; {@code null} for a queue that
 *        is itself the dead-letter queue of another
 * @param deadLettered the messages in {@code deadLetterQueue}
 * @param oldestReady how long the oldest ready message has waited since it was sent, or {@code null}
 *        when none is ready
 */
public record QueueInfo(String name, long ready, long delayed, long inFlight, String deadLetterQueue,
        long deadLettered, Duration oldestReady) {

    /** Every message of the queue, whatever its state. */
    public long total() {
        return ready + delayed + inFlight;
    }
}
