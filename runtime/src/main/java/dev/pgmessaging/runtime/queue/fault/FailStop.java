package dev.pgmessaging.runtime.queue.fault;

import java.time.Duration;

import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;
import dev.pgmessaging.runtime.queue.Settlements;

/**
 * {@code fail}: the first failure stops the channel. The failed message goes back to the queue
 * at once, so no message is lost (another instance, or this one after a restart, gets it), and
 * the channel reports itself unhealthy.
 */
final class FailStop implements FailureStrategy {

    @Override
    public void onFailure(ClaimedMessage message, Throwable reason, Settlements settlements) {
        settlements.release(message, Duration.ZERO);
        settlements.failChannel(reason);
    }
}
