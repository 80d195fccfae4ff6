package dev.pgmessaging.runtime.queue.fault;

import java.time.Duration;

import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.Settlements;

/**
 * {@code fail}: the first failure stops the channel. The failed message goes back to the queue
 * at once, so no message is lost (another instance, or this one after a restart, gets it), and
 * the channel reports itself unhealthy.
 */
final class FailStop implements FailureStrategy {

    @Override
    public void onFailure(ClaimedMessage message, Throwable reason, Settlements settlements) {
        // stop claiming first: released before, the message could be claimed again by the channel's
        // next turn and delivered a second time before the channel stopped
        settlements.failChannel(reason);
        settlements.release(message, Duration.ZERO);
    }
}
