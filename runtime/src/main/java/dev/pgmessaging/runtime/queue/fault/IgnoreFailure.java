package dev.pgmessaging.runtime.queue.fault;

import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;
import dev.pgmessaging.runtime.queue.Settlements;

/** {@code ignore}: the failure is logged and the message acked, as if it had been processed (at-most-once for failures). */
final class IgnoreFailure implements FailureStrategy {

    private static final Logger LOG = Logger.getLogger(IgnoreFailure.class);

    @Override
    public void onFailure(ClaimedMessage message, Throwable reason, Settlements settlements) {
        LOG.warnf("Channel %s ignores the failure of message %d (attempt %d) and acks it: %s", settlements.channel(),
                message.id(), message.attempt(), reason);
        settlements.ack(message);
    }
}
