package dev.pgmessaging.runtime.queue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import jakarta.transaction.TransactionManager;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import dev.pgmessaging.runtime.exchange.ExchangeRoute;
import dev.pgmessaging.runtime.exchange.ExchangeStore;
import dev.pgmessaging.runtime.exchange.Unroutable;
import dev.pgmessaging.runtime.exchange.UnroutableMessageException;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.QueueStore.NewMessage;
import dev.pgmessaging.runtime.sink.BatchingSink;

/**
 * Sends the messages of one outgoing channel to a queue, or publishes them through an exchange, in
 * batches or in the sender's transaction (see {@link BatchingSink}).
 */
public final class QueueSink extends BatchingSink<NewMessage> {

    private static final Logger LOG = Logger.getLogger(QueueSink.class);

    private final QueueProducerSettings settings;
    private final QueueStore store;
    private final ExchangeStore exchanges;
    private final PayloadCodec codec;
    private final AtomicLong unroutable = new AtomicLong();
    private final QueueWakeups localConsumers;

    /** @param localConsumers wakes this application's consumers of a queue that was just sent to */
    public QueueSink(QueueProducerSettings settings, DataSource dataSource, QueueStore store, ExchangeStore exchanges,
            PayloadCodec codec, TransactionManager transactions, QueueWakeups localConsumers) {
        super(settings.channel(), settings.maxBatchSize(), dataSource, transactions);
        this.settings = settings;
        this.store = store;
        this.exchanges = exchanges;
        this.codec = codec;
        this.localConsumers = localConsumers;
    }

    /** @return how many messages were dropped so far because they matched no binding of the exchange */
    public long unroutableCount() {
        return unroutable.get();
    }

    /** @return the positions of the messages that were not stored because they matched no binding */
    @Override
    protected int[] write(Connection connection, List<NewMessage> rows) throws SQLException {
        ExchangeRoute route = settings.exchange();
        if (route == null) {
            // the writer's write is followed by the wake-up of this application's consumers (committed);
            // one in the sender's transaction commits later, and they hear its notification
            String origin = onWriterThread() ? localConsumers.origin() : null;
            store.send(connection, rows, settings.deduplicationWindow(), settings.notifyConsumers(), origin);
            return ALL_STORED;
        }
        return exchanges.publish(connection, route.exchange(), rows, route.alternateQueue(),
                settings.deduplicationWindow(), settings.notifyConsumers());
    }

    /**
     * Wakes the consumers of the queue in this application at once, rather than when they hear the
     * notification (the other instances do); exchanges' queues are known only to the database, so
     * their consumers hear it from the notification.
     */
    @Override
    protected void committed(List<NewMessage> rows) {
        if (settings.exchange() == null) {
            localConsumers.wake(settings.queue());
        }
    }

    /** An unroutable message: nacked or counted as dropped, as configured. */
    @Override
    protected void notStored(Message<?> message, NewMessage row) {
        ExchangeRoute route = settings.exchange();
        if (route.unroutable() == Unroutable.FAIL) {
            message.nack(new UnroutableMessageException(route.exchange(), row.routingKey()));
            return;
        }
        long dropped = unroutable.incrementAndGet();
        // The first one, then one in 10,000: a misrouted producer is visible without flooding the log.
        if (dropped % 10_000 == 1) {
            LOG.warnf("Channel %s dropped a message with routing key '%s': it matched no binding of exchange %s"
                    + " (%d dropped so far; set unroutable=fail or alternate-queue to keep them)", settings.channel(),
                    row.routingKey(), route.exchange(), dropped);
        }
        message.ack();
    }

    @Override
    protected String destination() {
        return settings.exchange() == null ? "queue " + settings.queue() : "exchange " + settings.exchange().exchange();
    }

    @Override
    protected NewMessage toRow(Message<?> message) {
        PayloadCodec.Encoded encoded = codec.encode(message.getPayload());
        OutgoingQueueMetadata metadata = message.getMetadata(OutgoingQueueMetadata.class).orElse(null);
        String routingKey = settings.exchange() == null ? null : settings.exchange().routingKey();
        if (metadata == null) {
            return new NewMessage(settings.queue(), routingKey, null, encoded.contentType(), null, encoded.bytes(),
                    settings.priority(), settings.delay(), null, settings.timeToLive(), null);
        }
        if (routingKey != null && metadata.routingKey() != null) {
            routingKey = metadata.routingKey();
        }
        return new NewMessage(settings.queue(), routingKey, metadata.key(), encoded.contentType(),
                codec.encodeHeaders(metadata.headers()), encoded.bytes(),
                metadata.priority() == null ? settings.priority() : metadata.priority(),
                metadata.delay() == null ? settings.delay() : metadata.delay(), metadata.deliverAt(),
                metadata.timeToLive() == null ? settings.timeToLive() : metadata.timeToLive(), metadata.deduplicationId());
    }
}
