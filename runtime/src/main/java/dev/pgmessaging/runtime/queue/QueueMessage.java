package dev.pgmessaging.runtime.queue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;
import dev.pgmessaging.runtime.tx.AckableInTransaction;
import dev.pgmessaging.runtime.tx.TransactionalAck;
import io.smallrye.reactive.messaging.providers.MetadataInjectableMessage;
import io.smallrye.reactive.messaging.providers.locals.ContextAwareMessage;

/**
 * A message leased from a queue, or a batch of them ({@code batch=true}, the payload then being the
 * list of their payloads): the first ack or nack settles every delivery it holds, later ones do
 * nothing. A nack applies the failure strategy to each message on its own. An ack written by the
 * handler's own transaction ({@link TransactionalAck}) settles them too.
 */
final class QueueMessage<T> implements ContextAwareMessage<T>, MetadataInjectableMessage<T>, AckableInTransaction {

    private final T payload;
    private final List<ClaimedMessage> claimed;
    private final QueueSource source;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Metadata metadata;
    /** Whether the handler's transaction acked it (and committed). */
    private volatile boolean ackedInTransaction;

    QueueMessage(T payload, Metadata metadata, List<ClaimedMessage> claimed, QueueSource source) {
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
            claimed.forEach(source::ack);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason, Metadata ignored) {
        if (settled.compareAndSet(false, true)) {
            claimed.forEach(message -> source.nack(message, reason));
        } else if (ackedInTransaction) {
            source.nackedAfterCommit(claimed, reason);
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Deletes the message in the calling thread's transaction, just before it commits.
     *
     * @return {@code false} when the message was settled already (nothing was done)
     * @throws LeaseLost when the lease was lost (the message was delivered again elsewhere): the
     *         transaction must not commit
     */
    @Override
    public boolean ackInTransaction() throws java.sql.SQLException {
        if (settled.get()) {
            return false;
        }
        if (!source.ackInTransaction(claimed)) {
            throw new LeaseLost(claimed);
        }
        return true;
    }

    /** The transaction that deleted the message committed: later acks and nacks do nothing. */
    @Override
    public void ackedInTransaction() {
        ackedInTransaction = true;
        if (settled.compareAndSet(false, true)) {
            claimed.forEach(source::forget);
        }
    }

    @Override
    public synchronized void injectMetadata(Object metadataObject) {
        metadata = metadata.with(metadataObject);
    }
}
