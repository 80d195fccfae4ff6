package dev.pgmessaging.runtime.queue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Message;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.ParameterValidation;
import io.smallrye.mutiny.operators.multi.AbstractMultiOperator;
import io.smallrye.mutiny.operators.multi.MultiOperatorProcessor;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.smallrye.reactive.messaging.SubscriberDecorator;

/**
 * Makes {@code Emitter.send} inside a JTA transaction part of that transaction.
 * <p>
 * Quarkus runs connector subscribers in a cleared context (its connector context propagation
 * decorator, priority -100), which suspends the caller's transaction before the message reaches
 * the connector. This decorator sits upstream of it, on the sending thread, while the
 * transaction is still active: it writes the message there, on the transaction's connection,
 * and marks it so that the channel's sink does not write it again. It is a plain operator
 * rather than an {@code onItem().transform(...)} lambda because Mutiny wraps such lambdas in
 * the context captured when the stream was assembled, which would hide the transaction too.
 */
@ApplicationScoped
public class TransactionalSendDecorator implements SubscriberDecorator {

    /** Lower than the connector context propagation decorator (-100): applied first, so upstream of it. */
    static final int PRIORITY = -200;

    private final Map<String, QueueSink> sinks = new ConcurrentHashMap<>();

    /** Called by the connector for each outgoing channel it creates. */
    public void register(QueueSink sink) {
        sinks.put(sink.channel(), sink);
    }

    @Override
    public Multi<? extends Message<?>> decorate(Multi<? extends Message<?>> toBeSubscribed, List<String> channelNames,
            boolean isConnector) {
        return isConnector ? new SendInTransaction(toBeSubscribed, channelNames) : toBeSubscribed;
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    private QueueSink sinkOf(List<String> channelNames) {
        for (String channel : channelNames) {
            QueueSink sink = sinks.get(channel);
            if (sink != null) {
                return sink;
            }
        }
        return null; // a channel of another connector
    }

    private final class SendInTransaction extends AbstractMultiOperator<Message<?>, Message<?>> {

        private final List<String> channelNames;

        SendInTransaction(Multi<? extends Message<?>> upstream, List<String> channelNames) {
            super(upstream);
            this.channelNames = channelNames;
        }

        @Override
        public void subscribe(MultiSubscriber<? super Message<?>> downstream) {
            ParameterValidation.nonNullNpe(downstream, "subscriber");
            upstream.subscribe().withSubscriber(new MultiOperatorProcessor<Message<?>, Message<?>>(downstream) {
                @Override
                public void onItem(Message<?> message) {
                    // the sink is looked up per message: channels are created after decoration
                    QueueSink sink = sinkOf(channelNames);
                    super.onItem(sink == null ? message : sink.sendIfInTransaction(message));
                }
            });
        }
    }
}
