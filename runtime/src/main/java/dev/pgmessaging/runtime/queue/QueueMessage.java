package dev.pgmessaging.runtime.queue;

import java.sql.SQLException;
import java.util.List;

import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.channel.SettleOnceMessage;
import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;

/**
 * A message leased from a queue, or a batch of them ({@code batch=true}, the payload then being the
 * list of their payloads): the first ack or nack settles every delivery it holds. A nack applies
 * the failure strategy to each message on its own.
 */
final class QueueMessage<T> extends SettleOnceMessage<T> {

    private final List<ClaimedMessage> claimed;
    private final QueueSource source;

    QueueMessage(T payload, Metadata metadata, List<ClaimedMessage> claimed, QueueSource source) {
        super(payload, metadata);
        this.claimed = claimed;
        this.source = source;
    }

    @Override
    protected void onAck() {
        claimed.forEach(source::ack);
    }

    @Override
    protected void onNack(Throwable reason) {
        claimed.forEach(message -> source.nack(message, reason));
    }

    @Override
    protected void onNackAfterCommit(Throwable reason) {
        source.nackedAfterCommit(claimed, reason);
    }

    /**
     * Deletes the messages in the calling thread's transaction.
     *
     * @throws LeaseLost when a lease was lost (the message was delivered again elsewhere)
     */
    @Override
    protected void ackInCurrentTransaction() throws SQLException {
        if (!source.ackInTransaction(claimed)) {
            throw new LeaseLost(claimed);
        }
    }

    /** The transaction deleted them: nothing is left to settle but the leases held here. */
    @Override
    protected void onCommittedAck() {
        claimed.forEach(source::forget);
    }
}
