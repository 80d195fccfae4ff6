package dev.pgmessaging.runtime.queue.fault;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.Settlements;

/** {@code ignore}: the failure is logged and the message acked, as if it had been processed (at-most-once for failures). */
final class IgnoreFailure implements FailureStrategy {

    @Override
    public void onFailure(ClaimedMessage message, Throwable reason, Settlements settlements) {
        LOG.failureIgnored(settlements.channel(), "message " + message.id() + " (attempt " + message.attempt() + ")",
                reason);
        settlements.ack(message);
    }
}
