package dev.pgmessaging.runtime.queue;

import java.util.List;
import java.util.stream.Collectors;

import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;

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

    /** Whether the failure, or one of its causes, is a lost lease. */
    static boolean in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof LeaseLost) {
                return true;
            }
        }
        return false;
    }
}
