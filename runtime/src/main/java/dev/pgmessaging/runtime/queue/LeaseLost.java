package dev.pgmessaging.runtime.queue;

import java.util.List;
import java.util.stream.Collectors;

import dev.pgmessaging.runtime.tx.Causes;

/**
 * A handler's transaction may not ack its message: the lease expired and the message was delivered
 * again elsewhere. The transaction rolls back, and the message is the other delivery's: no failure
 * strategy applies to it here.
 */
final class LeaseLost extends IllegalStateException {

    LeaseLost(List<ClaimedMessage> messages) {
        super("The lease of a message (" + messages.stream().map(m -> String.valueOf(m.id()))
                .collect(Collectors.joining(", ")) + ") expired before its handler's transaction committed, and the"
                + " message was delivered again: rolling back this transaction");
    }

    /** Whether a lost lease is behind the failure (see {@link Causes}). */
    static boolean in(Throwable failure) {
        return Causes.find(failure, LeaseLost.class) != null;
    }
}
