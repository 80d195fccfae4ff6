package dev.pgmessaging.runtime.channel;

import java.sql.SQLException;
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
 * A message delivered by an incoming channel, queue message or topic record (or a batch of them):
 * the first ack or nack settles it, later ones do nothing, and an ack written by the handler's own
 * transaction ({@link dev.pgmessaging.runtime.tx.TransactionalAck}) settles it once that
 * transaction committed. A nack after that commit is only reported: the message is done for good.
 */
public abstract class SettleOnceMessage<T>
        implements ContextAwareMessage<T>, MetadataInjectableMessage<T>, AckableInTransaction {

    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final T payload;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Metadata metadata;
    /** Whether the handler's transaction acked it, and committed. */
    private volatile boolean ackedInTransaction;

    protected SettleOnceMessage(T payload, Metadata metadata) {
        this.payload = payload;
        this.metadata = metadata;
    }

    /** Acked: what the message holds is done. */
    protected abstract void onAck();

    /** Nacked: the channel's failure strategy applies. */
    protected abstract void onNack(Throwable reason);

    /** Nacked after the handler's transaction committed its ack: nothing can be undone, only reported. */
    protected abstract void onNackAfterCommit(Throwable reason);

    /**
     * Writes the ack in the calling thread's transaction, just before it commits.
     *
     * @throws SQLException or a runtime exception when the transaction must not commit (the ack is
     *         fenced: the message was delivered again elsewhere)
     */
    protected abstract void ackInCurrentTransaction() throws SQLException;

    /** The handler's transaction that acked the message committed. */
    protected abstract void onCommittedAck();

    /** Settles the message unless it is already: {@code true} for the one caller that did. */
    protected final boolean settle() {
        return settled.compareAndSet(false, true);
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
    public final CompletionStage<Void> ack(Metadata ignored) {
        if (settle()) {
            onAck();
        }
        return DONE;
    }

    @Override
    public final CompletionStage<Void> nack(Throwable reason, Metadata ignored) {
        if (settle()) {
            onNack(reason);
        } else if (ackedInTransaction) {
            onNackAfterCommit(reason);
        }
        return DONE;
    }

    /** @return {@code false} when the message was settled already (nothing was written) */
    @Override
    public final boolean ackInTransaction() throws SQLException {
        if (settled.get()) {
            return false;
        }
        ackInCurrentTransaction();
        return true;
    }

    @Override
    public final void ackedInTransaction() {
        ackedInTransaction = true;
        if (settle()) {
            onCommittedAck();
        }
    }

    @Override
    public synchronized void injectMetadata(Object metadataObject) {
        metadata = metadata.with(metadataObject);
    }
}
