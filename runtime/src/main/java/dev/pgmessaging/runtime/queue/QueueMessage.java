package dev.pgmessaging.runtime.queue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;
import io.smallrye.reactive.messaging.providers.MetadataInjectableMessage;
import io.smallrye.reactive.messaging.providers.locals.ContextAwareMessage;

/** A message leased from a queue: the first ack or nack settles this delivery, later ones do nothing. */
final class QueueMessage<T> implements ContextAwareMessage<T>, MetadataInjectableMessage<T> {

    private final T payload;
    private final ClaimedMessage claimed;
    private final QueueSource source;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Metadata metadata;

    QueueMessage(T payload, Metadata metadata, ClaimedMessage claimed, QueueSource source) {
        this.payload = payload;
        this.metadata = metadata;
        this.claimed = claimed;
        this.source = source;
    }

    @Override
    public T getPayload() {
        return payload;
    }

    @Override
    public Metadata getMetadata() {
        return metadata;
    }

    @Override
    public Function<Metadata, CompletionStage<Void>> getAckWithMetadata() {
        return this::ack;
    }

    @Override
    public BiFunction<Throwable, Metadata, CompletionStage<Void>> getNackWithMetadata() {
        return this::nack;
    }

    @Override
    public CompletionStage<Void> ack(Metadata ignored) {
        if (settled.compareAndSet(false, true)) {
            source.ack(claimed);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason, Metadata ignored) {
        if (settled.compareAndSet(false, true)) {
            source.nack(claimed, reason);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void injectMetadata(Object metadataObject) {
        metadata = metadata.with(metadataObject);
    }
}
