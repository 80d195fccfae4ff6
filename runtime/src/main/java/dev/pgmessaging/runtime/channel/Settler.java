package dev.pgmessaging.runtime.channel;

import java.sql.SQLException;
import java.util.List;

/**
 * What an incoming channel does when a message it delivered is settled ({@link SettleOnceMessage}):
 * the deliveries {@code D} are claimed queue messages, or records read from a topic partition. A
 * batch message holds several; the channel gets them together.
 */
public interface Settler<D> {

    /** Acked: what the deliveries hold is done. */
    void onAck(List<D> deliveries);

    /** Nacked: the channel's failure strategy applies. */
    void onNack(List<D> deliveries, Throwable reason);

    /** Nacked after the handler's transaction committed their ack: nothing can be undone, only reported. */
    void onNackAfterCommit(List<D> deliveries, Throwable reason);

    /**
     * Writes the ack in the calling thread's transaction, just before it commits.
     *
     * @throws SQLException or a runtime exception when the transaction must not commit (the ack is
     *         fenced: the message was delivered again elsewhere)
     */
    void ackInTransaction(List<D> deliveries) throws SQLException;

    /** The handler's transaction that acked the deliveries committed. */
    void onCommittedAck(List<D> deliveries);

    /** Whether the deliveries are still to be handled (a topic channel's may be read again meanwhile). */
    default boolean isCurrent(List<D> deliveries) {
        return true;
    }

    /** They are not handled after all (not current any more): the channel forgets them. */
    default void onAbandoned(List<D> deliveries) {
    }
}
