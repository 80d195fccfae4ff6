package dev.pgmessaging.runtime.outbox;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Emitter;

import io.smallrye.reactive.messaging.EmitterConfiguration;
import io.smallrye.reactive.messaging.EmitterFactory;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.annotations.EmitterFactoryFor;

/**
 * Emitter factories that take the place of SmallRye's own (as CDI alternatives) so that every
 * {@code Emitter} and {@code MutinyEmitter} can join the sender's transaction when its channel
 * is a {@code postgres} channel. For any other channel the emitters behave exactly as SmallRye's.
 */
public final class OutboxEmitterFactories {

    private OutboxEmitterFactories() {
    }

    @EmitterFactoryFor(Emitter.class)
    @ApplicationScoped
    @Alternative
    @Priority(1)
    public static class ForEmitter implements EmitterFactory<OutboxEmitter<Object>> {
        @Inject
        TransactionalOutbox outbox;

        @Override
        public OutboxEmitter<Object> createEmitter(EmitterConfiguration configuration, long defaultBufferSize) {
            return new OutboxEmitter<>(configuration, defaultBufferSize, outbox);
        }
    }

    @EmitterFactoryFor(MutinyEmitter.class)
    @ApplicationScoped
    @Alternative
    @Priority(1)
    public static class ForMutinyEmitter implements EmitterFactory<OutboxMutinyEmitter<Object>> {
        @Inject
        TransactionalOutbox outbox;

        @Override
        public OutboxMutinyEmitter<Object> createEmitter(EmitterConfiguration configuration, long defaultBufferSize) {
            return new OutboxMutinyEmitter<>(configuration, defaultBufferSize, outbox);
        }
    }
}
