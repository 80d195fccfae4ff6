package dev.pgmessaging.runtime.log;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.eclipse.microprofile.reactive.messaging.Metadata;

import io.smallrye.reactive.messaging.providers.locals.ContextAwareMessage;
import io.smallrye.reactive.messaging.providers.MetadataInjectableMessage;

/** A record read from a topic partition; the first ack or nack counts, later ones do nothing. */
final class LogMessage<T> implements ContextAwareMessage<T>, MetadataInjectableMessage<T> {

    private final T payload;
    private final PartitionProgress partition;
    private final long offset;
    private final LogSource source;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Metadata metadata;

    LogMessage(T payload, Metadata metadata, PartitionProgress partition, long offset, LogSource source) {
        this.payload = payload;
        this.metadata = metadata;
        this.partition = partition;
        this.offset = offset;
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
            source.acked(partition, offset);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason, Metadata ignored) {
        if (settled.compareAndSet(false, true)) {
            source.nacked(partition, offset, reason);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void injectMetadata(Object metadataObject) {
        metadata = metadata.with(metadataObject);
    }
}
