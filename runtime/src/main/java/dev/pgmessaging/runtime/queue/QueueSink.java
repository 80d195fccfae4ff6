package dev.pgmessaging.runtime.queue;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import jakarta.transaction.TransactionManager;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import dev.pgmessaging.runtime.api.UnroutableMessageException;
import dev.pgmessaging.runtime.exchange.ExchangeRoute;
import dev.pgmessaging.runtime.exchange.ExchangeStore;
import dev.pgmessaging.runtime.exchange.Unroutable;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.LocalDeliveries.Reservation;
import dev.pgmessaging.runtime.sink.BatchingSink;
import dev.pgmessaging.runtime.sql.NewMessage;
import dev.pgmessaging.runtime.tracing.MessageTracing;

/**
 * Sends the messages of one outgoing channel to a queue, or publishes them through an exchange, in
 * batches or in the sender's transaction (see {@link BatchingSink}).
 */
public final class QueueSink extends BatchingSink<NewMessage> {

    private final QueueProducerSettings settings;
    private final QueueStore store;
    private final ExchangeStore exchanges;
    private final PayloadCodec codec;
    private final AtomicLong unroutable = new AtomicLong();
    private final Wakeups localConsumers;
    private final LocalDeliveries localDeliveries;
    /** What the writer's last write leased to an idle local consumer, delivered once committed. */
    private Reservation reservation;
    private List<ClaimedMessage> leased = List.of();
    /** Whether the writer's last write stored messages that no local consumer was handed. */
    private boolean unleased;
    /** The messages the writer's last write dropped as duplicates, counted once committed. */
    private int duplicates;
    private final IntConsumer duplicatesOfWriter = n -> duplicates = n;
    /** The producer spans, or {@code null} when there are none to make. */
    private MessageTracing tracing;

    /**
     * @param localConsumers wakes this application's consumers of a queue that was just sent to
     * @param localDeliveries hands messages to this application's idle consumers of the queue
     */
    public QueueSink(QueueProducerSettings settings, DataSource dataSource, QueueStore store, ExchangeStore exchanges,
            PayloadCodec codec, TransactionManager transactions, Wakeups localConsumers,
            LocalDeliveries localDeliveries) {
        super(settings.channel(), settings.maxBatchSize(), settings.deliveryTimeout(), dataSource, transactions);
        this.settings = settings;
        this.store = store;
        this.exchanges = exchanges;
        this.codec = codec;
        this.localConsumers = localConsumers;
        this.localDeliveries = localDeliveries;
    }

    /** Makes a producer span per message, its context in the message's headers (set before the first send). */
    public void traceWith(MessageTracing tracing) {
        this.tracing = tracing;
    }

    /** @return how many messages were dropped so far because they matched no binding of the exchange */
    public long unroutableCount() {
        return unroutable.get();
    }

    /** @return the positions of the messages that were not stored because they matched no binding */
    @Override
    protected int[] write(Connection connection, List<NewMessage> rows, LongConsumer transaction) throws SQLException {
        ExchangeRoute route = settings.exchange();
        // duplicates are counted with the sends: at once in the sender's transaction, after the
        // commit for the writer's (committed)
        boolean writer = onWriterThread();
        if (route == null) {
            if (!writer) {
                // in the sender's transaction, which commits later: the consumers hear its notification
                meters().deduplicated(
                        store.send(connection, rows, settings.deduplicationWindow(), settings.notifyConsumers(), null));
                return ALL_STORED;
            }
            // the writer's write commits right after: what it leased is delivered, and this
            // application's other consumers are woken, once it has (committed)
            sendFromWriter(connection, rows, transaction);
            return ALL_STORED;
        }
        return exchanges.publish(connection, route.exchange(), rows, route.alternateQueue(),
                settings.deduplicationWindow(), settings.notifyConsumers(), transaction,
                writer ? duplicatesOfWriter : meters()::deduplicated);
    }

    /** Sends the rows, leasing those it can to an idle consumer of the queue in this application. */
    private void sendFromWriter(Connection connection, List<NewMessage> rows, LongConsumer transaction)
            throws SQLException {
        List<Integer> eligible = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            if (local(rows.get(i))) {
                eligible.add(i);
            }
        }
        Reservation taken = localDeliveries == null ? null : localDeliveries.reserve(settings.queue(), eligible.size());
        int toLease = taken == null ? 0 : taken.count();
        boolean[] lease = new boolean[rows.size()];
        // with less room than messages, the consumer gets those a claim would have taken first
        eligible.sort(Comparator.comparingInt((Integer i) -> rows.get(i).priority()).reversed());
        eligible.subList(0, toLease).forEach(i -> lease[i] = true);
        boolean sent = false;
        try {
            leased = store.send(connection, rows, toLease == 0 ? null : lease,
                    taken == null ? null : taken.consumer().visibilityTimeout(), settings.deduplicationWindow(),
                    settings.notifyConsumers(), localConsumers.origin(), transaction, duplicatesOfWriter);
            sent = true;
        } finally {
            if (!sent && taken != null) {
                taken.consumer().cancel(toLease);
            }
        }
        reservation = taken;
        unleased = toLease < rows.size();
    }

    /** Whether a message may be handed to a consumer as soon as it is stored: visible at once, no deduplication. */
    private static boolean local(NewMessage row) {
        return row.deduplicationId() == null && row.deliverAt() == null && row.delay().isZero();
    }

    /**
     * Hands what the write leased to its consumer, and wakes the other consumers of the queue in
     * this application at once, rather than when they hear the notification (the other instances
     * do); exchanges' queues are known only to the database, so their consumers hear it from the
     * notification.
     */
    @Override
    protected void committed(List<NewMessage> rows) {
        if (duplicates > 0) {
            meters().deduplicated(duplicates);
            duplicates = 0;
        }
        if (settings.exchange() != null) {
            return;
        }
        if (unleased) {
            // first, so that the consumer handed the others does not offer room again before it
            // knows of these
            localConsumers.wake(settings.queue());
            if (localDeliveries != null) {
                localDeliveries.announce(settings.queue());
            }
        }
        if (reservation != null) {
            reservation.consumer().deliver(leased, reservation.count());
            reservation = null;
            leased = List.of();
        }
    }

    /** The write did not commit: the consumer it reserved room with gets the room back. */
    @Override
    protected void notCommitted(List<NewMessage> rows) {
        duplicates = 0;
        if (reservation != null) {
            reservation.consumer().cancel(reservation.count());
            reservation = null;
            leased = List.of();
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
            LOG.unroutableDropped(settings.channel(), row.routingKey(), route.exchange(), dropped);
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
        Map<String, String> headers = metadata == null ? null : metadata.headers();
        if (tracing != null) {
            headers = tracing.traceOutgoing(message,
                    settings.exchange() == null ? settings.queue() : settings.exchange().exchange(), headers);
        }
        if (metadata == null) {
            return new NewMessage(settings.queue(), routingKey, null, encoded.contentType(),
                    headers == null ? null : codec.encodeHeaders(headers), encoded.bytes(), settings.priority(),
                    settings.delay(), null, settings.timeToLive(), null);
        }
        if (routingKey != null && metadata.routingKey() != null) {
            routingKey = metadata.routingKey();
        }
        return new NewMessage(settings.queue(), routingKey, metadata.key(), encoded.contentType(),
                codec.encodeHeaders(headers), encoded.bytes(),
                metadata.priority() == null ? settings.priority() : metadata.priority(),
                metadata.delay() == null ? settings.delay() : metadata.delay(), metadata.deliverAt(),
                metadata.timeToLive() == null ? settings.timeToLive() : metadata.timeToLive(), metadata.deduplicationId());
    }
}
