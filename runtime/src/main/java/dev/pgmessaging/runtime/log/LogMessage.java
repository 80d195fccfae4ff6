package dev.pgmessaging.runtime.log;

import java.sql.SQLException;
import java.util.List;

import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.channel.SettleOnceMessage;

/**
 * A record read from a topic partition, or a batch of them ({@code batch=true}, the payload then
 * being the list of their values): the first ack or nack counts for every record it holds.
 */
final class LogMessage<T> extends SettleOnceMessage<T> {

    private final List<Delivery> deliveries;
    private final LogSource source;

    /** One record of the message: its partition, offset, and the read generation it was delivered in. */
    record Delivery(PartitionProgress partition, long offset, int generation) {
    }

    LogMessage(T payload, Metadata metadata, List<Delivery> deliveries, LogSource source) {
        super(payload, metadata);
        this.deliveries = deliveries;
        this.source = source;
    }

    @Override
    protected void onAck() {
        source.acked(deliveries);
    }

    @Override
    protected void onNack(Throwable reason) {
        source.nacked(deliveries, reason);
    }

    @Override
    protected void onNackAfterCommit(Throwable reason) {
        source.nackedAfterCommit(deliveries, reason);
    }

    /**
     * Commits the records' offsets in the calling thread's transaction, fenced by their partitions'
     * epochs, once every record before them is settled.
     *
     * @throws CommitRefused when the transaction must not commit
     */
    @Override
    protected void ackInCurrentTransaction() throws SQLException {
        source.commitInTransaction(deliveries);
    }

    @Override
    protected void onCommittedAck() {
        source.acked(deliveries);
    }

    /**
     * Whether the message is still to be handled: false, and settled, when its records will be read
     * again or are another member's (the partition was rewound or lost, or the channel stopped).
     */
    boolean stillCurrent() {
        if (source.current(deliveries)) {
            return true;
        }
        if (settle()) {
            source.abandoned(deliveries);
        }
        return false;
    }
}
