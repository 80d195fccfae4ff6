package dev.pgmessaging.runtime.tx;

import java.sql.SQLException;

/** A message that can be acked in its handler's transaction ({@link TransactionalAck}). */
public interface AckableInTransaction {

    /**
     * Acks the message in the calling thread's transaction, just before it commits.
     *
     * @return {@code false} when the message was settled already (nothing was done)
     * @throws IllegalStateException when the message was lost to another consumer (its lease expired,
     *         or its partition went to another member): the transaction must not commit
     */
    boolean ackInTransaction() throws SQLException;

    /** The transaction that acked the message committed: later acks and nacks do nothing. */
    void ackedInTransaction();
}
