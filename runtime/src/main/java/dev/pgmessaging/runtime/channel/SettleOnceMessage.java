package dev.pgmessaging.runtime.channel;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.metrics.ChannelMeters;
import dev.pgmessaging.runtime.tx.AckableInTransaction;
import io.smallrye.reactive.messaging.providers.MetadataInjectableMessage;
import io.smallrye.reactive.messaging.providers.locals.ContextAwareMessage;

/**
 * A message delivered by an incoming channel, holding one queue message or topic record, or the
 * several of a batch ({@code batch=true}, the payload then being the list of theirs): the first ack
 * or nack settles it, later ones do nothing, and an ack written by the handler's own transaction
 * ({@link dev.pgmessaging.runtime.tx.TransactionalAck}) settles it once that transaction committed.
 * A nack after that commit is only reported: the message is done for good. What settling does is
 * the channel's ({@link Settler}).
 *
 * @param <D> what the channel delivered: a claimed queue message, or a record of a partition
 */
public final class SettleOnceMessage<T, D>
        implements ContextAwareMessage<T>, MetadataInjectableMessage<T>, AckableInTransaction {

    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final T payload;
    private final List<D> deliveries;
    private final Settler<D> settler;
    private final ChannelMeters meters;
    /** When the message was made, just before its handler got it ({@code System.nanoTime}; 0: not counted). */
    private final long madeAt;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Metadata metadata;
    /** Whether the handler's transaction acked it, and committed. */
    private volatile boolean ackedInTransaction;

    public SettleOnceMessage(T payload, Metadata metadata, List<D> deliveries, Settler<D> settler, ChannelMeters meters) {
        this.payload = payload;
        this.metadata = metadata;
        this.deliveries = deliveries;
        this.settler = settler;
        this.meters = meters;
        this.madeAt = meters.counting() ? System.nanoTime() : 0;
    }

    /**
     * Whether the message is still to be handled: false, and settled, when its deliveries are not
     * current any more (a topic partition was rewound or lost, or the channel stopped).
     */
    public boolean stillCurrent() {
        if (settler.isCurrent(deliveries)) {
            return true;
        }
        if (settled.compareAndSet(false, true)) {
            settler.onAbandoned(deliveries);
        }
        return false;
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
            settler.onAck(deliveries);
            meters.acked(deliveries.size(), System.nanoTime() - madeAt);
        }
        return DONE;
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason, Metadata ignored) {
        if (settled.compareAndSet(false, true)) {
            settler.onNack(deliveries, reason);
            meters.nacked(deliveries.size(), System.nanoTime() - madeAt);
        } else if (ackedInTransaction) {
            settler.onNackAfterCommit(deliveries, reason);
        }
        return DONE;
    }

    /** @return {@code false} when the message was settled already (nothing was written) */
    @Override
    public boolean ackInTransaction() throws SQLException {
        if (settled.get()) {
            return false;
        }
        settler.ackInTransaction(deliveries);
        return true;
    }

    @Override
    public void ackedInTransaction() {
        ackedInTransaction = true;
        if (settled.compareAndSet(false, true)) {
            settler.onCommittedAck(deliveries);
            meters.acked(deliveries.size(), System.nanoTime() - madeAt);
        }
    }

    @Override
    public synchronized void injectMetadata(Object metadataObject) {
        metadata = metadata.with(metadataObject);
    }
}
