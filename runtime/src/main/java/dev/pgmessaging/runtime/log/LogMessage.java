package dev.pgmessaging.runtime.log;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.tx.AckableInTransaction;
import io.smallrye.reactive.messaging.providers.MetadataInjectableMessage;
import io.smallrye.reactive.messaging.providers.locals.ContextAwareMessage;

/**
 * A record read from a topic partition, or a batch of them ({@code batch=true}, the payload then
 * being the list of their values): the first ack or nack counts for every record it holds, later
 * ones do nothing. An ack written by the handler's own transaction
 * ({@link dev.pgmessaging.runtime.tx.TransactionalAck}) counts too.
 */
final class LogMessage<T> implements ContextAwareMessage<T>, MetadataInjectableMessage<T>, AckableInTransaction {

    private final T payload;
    private final List<Delivery> deliveries;
    private final LogSource source;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Metadata metadata;
    /** Whether the handler's transaction committed the records' offsets. */
    private volatile boolean ackedInTransaction;

    /** One record of the message: its partition, offset, and the read generation it was delivered in. */
    record Delivery(PartitionProgress partition, long offset, int generation) {
    }

    LogMessage(T payload, Metadata metadata, List<Delivery> deliveries, LogSource source) {
        this.payload = payload;
        this.metadata = metadata;
        this.deliveries = deliveries;
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
            source.acked(deliveries);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason, Metadata ignored) {
        if (settled.compareAndSet(false, true)) {
            source.nacked(deliveries, reason);
        } else if (ackedInTransaction) {
            source.nackedAfterCommit(deliveries, reason);
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Whether the message is still to be handled: false, and settled, when its records will be read
     * again or are another member's (the partition was rewound or lost, or the channel stopped).
     */
    boolean stillCurrent() {
        if (source.current(deliveries)) {
            return true;
        }
        if (settled.compareAndSet(false, true)) {
            source.abandoned(deliveries);
        }
        return false;
    }

    /**
     * Commits the records' offsets in the calling thread's transaction, fenced by their partitions'
     * epochs, once every record before them is settled.
     *
     * @throws CommitRefused when the transaction must not commit
     */
    @Override
    public boolean ackInTransaction() throws java.sql.SQLException {
        if (settled.get()) {
            return false;
        }
        source.commitInTransaction(deliveries);
        return true;
    }

    @Override
    public void ackedInTransaction() {
        ackedInTransaction = true;
        if (settled.compareAndSet(false, true)) {
            source.acked(deliveries);
        }
    }

    @Override
    public synchronized void injectMetadata(Object metadataObject) {
        metadata = metadata.with(metadataObject);
    }
}
