package dev.pgmessaging.runtime.tx;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/**
 * Exactly-once effects: when the handler of a message begins a transaction (an
 * {@code @Transactional} {@code @Incoming} method, or {@code QuarkusTransaction} in a {@code @Blocking} one), the
 * message is acked in that transaction, just before it commits: a queue message is deleted, a
 * record's offset is committed for its group. The handler's writes and the ack then commit together
 * or not at all: an exception rolls both back, a checked one too ({@link RollbackOnAnyFailure}),
 * and the message is delivered again, as its failure strategy says; once committed, the message
 * is done for good. The ack is fenced like any other:
 * if the lease or the partition was lost meanwhile (the message was delivered again elsewhere),
 * the transaction is rolled back instead of committing the effects a second time.
 * <p>
 * The message reaches the transaction through the Vert.x context it is handled on: each message
 * gets a duplicated context of its own, and blocking handlers run with it as their current context.
 */
@ApplicationScoped
public class TransactionalAck {

    private static final String KEY = TransactionalAck.class.getName();

    @Inject
    TransactionSynchronizationRegistry synchronizations;

    /** Makes the message the one a transaction begun on its context (where its handler runs) acks. */
    public static void attach(Context messageContext, AckableInTransaction message) {
        ((ContextInternal) messageContext).localContextData().put(KEY, message);
    }

    void onBegin(@Observes @Initialized(TransactionScoped.class) Object transaction) {
        if (!(Vertx.currentContext() instanceof ContextInternal context) || !context.isDuplicate()) {
            return;
        }
        // kept attached: if this transaction rolls back, the next one the handler begins acks it
        if (context.localContextData().get(KEY) instanceof AckableInTransaction message) {
            AckBeforeCommit ack = new AckBeforeCommit(message);
            synchronizations.putResource(KEY, ack);
            synchronizations.registerInterposedSynchronization(ack);
        }
    }

    /** Whether the calling thread's transaction (there must be one) acks a message before it commits. */
    boolean acksInCurrentTransaction() {
        return synchronizations.getResource(KEY) != null;
    }

    /** Acks the message before the commit; marks it settled once the commit happened. */
    private static final class AckBeforeCommit implements Synchronization {
        private final AckableInTransaction message;
        private boolean deleted;

        AckBeforeCommit(AckableInTransaction message) {
            this.message = message;
        }

        @Override
        public void beforeCompletion() {
            try {
                deleted = message.ackInTransaction();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("Could not ack the message in the handler's transaction: "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void afterCompletion(int status) {
            // rolled back: the delete was undone with the rest, and the handler's outcome settles it
            if (deleted && status == Status.STATUS_COMMITTED) {
                message.ackedInTransaction();
            }
        }
    }
}
