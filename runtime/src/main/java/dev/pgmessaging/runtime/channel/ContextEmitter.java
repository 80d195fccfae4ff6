package dev.pgmessaging.runtime.channel;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.tracing.MessageTracing;
import dev.pgmessaging.runtime.tx.AckableInTransaction;
import dev.pgmessaging.runtime.tx.TransactionalAck;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.reactive.messaging.providers.locals.ContextAwareMessage;
import io.smallrye.reactive.messaging.providers.locals.LocalContextMetadata;
import io.vertx.core.Context;

/**
 * Hands the messages of one claim (queue) or one read (topic) to a channel's stream in one task on
 * the channel's context: one hand-over between threads per claim or read, not per message. Each
 * message gets a duplicated context of its own, on which its handler runs, and, when the channel
 * acks in the handler's transaction, is attached to it. One failed emission does not hold back
 * the others.
 */
public final class ContextEmitter {

    /**
     * One message to emit.
     *
     * @param metadata its metadata, to which the duplicated context is added
     * @param message builds the message around that metadata
     */
    public record Pending(Object metadata, Function<Metadata, Message<?>> message) {
    }

    private final Context context;
    private final boolean ackInTransaction;
    private final String channel;
    /** Messages handed over and not emitted yet. */
    private final AtomicLong inTransit = new AtomicLong();
    /** The consumer spans, or {@code null} when there are none to make. */
    private volatile MessageTracing tracing;

    public ContextEmitter(Context context, boolean ackInTransaction, String channel) {
        this.context = context;
        this.ackInTransaction = ackInTransaction;
        this.channel = channel;
    }

    /** Makes a consumer span per message emitted, continuing its send's trace (set before the stream starts). */
    public void traceWith(MessageTracing tracing) {
        this.tracing = tracing;
    }

    /** How many messages were handed over and are not emitted yet. */
    public long inTransit() {
        return inTransit.get();
    }

    public void emit(MultiEmitter<? super Message<?>> emitter, List<Pending> pending) {
        if (pending.isEmpty()) {
            return;
        }
        inTransit.addAndGet(pending.size());
        context.runOnContext(ignored -> {
            MessageTracing traced = tracing;
            for (Pending next : pending) {
                Message<?> message = null;
                try {
                    // built in one go: adding the context to a finished Metadata would copy its map
                    LocalContextMetadata local = ContextAwareMessage.captureLocalContextMetadata();
                    Metadata withContext = local == null ? Metadata.of(next.metadata())
                            : Metadata.of(next.metadata(), local);
                    message = next.message().apply(withContext);
                    if (ackInTransaction && local != null && message instanceof AckableInTransaction ackable) {
                        TransactionalAck.attach(local.context(), ackable);
                    }
                    if (traced != null) {
                        message = traced.traceIncoming(message);
                    }
                    emitter.emit(message);
                } catch (RuntimeException e) {
                    // the others still go; this one is settled as failed, so that the channel does not
                    // count it as being handled for ever
                    LOG.couldNotEmit(channel, e);
                    if (message != null) {
                        message.nack(e);
                    }
                } finally {
                    inTransit.decrementAndGet();
                }
            }
        });
    }
}
