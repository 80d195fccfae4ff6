package dev.pgmessaging.runtime.outbox;

import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.reactive.messaging.EmitterConfiguration;
import io.smallrye.reactive.messaging.providers.extension.EmitterImpl;

/** The standard {@code Emitter}, except that a send inside a transaction joins it (see {@link TransactionalOutbox}). */
final class OutboxEmitter<T> extends EmitterImpl<T> {

    private final String channel;
    private final TransactionalOutbox outbox;

    OutboxEmitter(EmitterConfiguration config, long defaultBufferSize, TransactionalOutbox outbox) {
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
