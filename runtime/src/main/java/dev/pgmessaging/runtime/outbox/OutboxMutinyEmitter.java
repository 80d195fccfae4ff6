package dev.pgmessaging.runtime.outbox;

import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.EmitterConfiguration;
import io.smallrye.reactive.messaging.providers.extension.MutinyEmitterImpl;

/**
 * The standard {@code MutinyEmitter}, except that a send inside a transaction joins it (see
 * {@link TransactionalOutbox}). Its sends run when the returned {@code Uni} is subscribed to,
 * so {@code sendAndAwait} (or awaiting the {@code Uni}) inside the transaction is what joins it.
 */
final class OutboxMutinyEmitter<T> extends MutinyEmitterImpl<T> {

    private final String channel;
    private final TransactionalOutbox outbox;

    OutboxMutinyEmitter(EmitterConfiguration config, long defaultBufferSize, TransactionalOutbox outbox) {
        super(config, defaultBufferSize);
        this.channel = config.name();
        this.outbox = outbox;
    }

    @Override
    protected void emit(Message<? extends T> message) {
        if (!outbox.sendInTransaction(channel, message)) {
            super.emit(message);
        }
    }
}
