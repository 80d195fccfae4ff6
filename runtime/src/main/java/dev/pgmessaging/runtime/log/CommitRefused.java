package dev.pgmessaging.runtime.log;

import dev.pgmessaging.runtime.tx.Causes;

/**
 * Why a handler's transaction may not commit the offsets of its records: it rolls back instead, so
 * that no effect is committed without its offset, and the records' failure is settled by why.
 */
final class CommitRefused extends IllegalStateException {

    enum Why {
        /** The records will be read again, or the channel stopped: they are no longer this delivery's. */
        STALE,
        /** The partition went to another member (or a seek moved the group): the records are its now. */
        LOST,
        /** An earlier delivery of the records committed them already: they are done. */
        ALREADY_COMMITTED,
        /** Records before them were still being handled: they come again once those are done. */
        OUT_OF_ORDER
    }

    final Why why;

    CommitRefused(Why why, String message) {
        super(message + ": rolling back this transaction");
        this.why = why;
    }

    /** The refusal behind the failure (see {@link Causes}), or {@code null}. */
    static CommitRefused in(Throwable failure) {
        return Causes.find(failure, CommitRefused.class);
    }
}
