package dev.pgmessaging.runtime.queue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
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

/**
 * Sends the messages of one outgoing channel to a queue, or publishes them through an exchange.
 * <p>
 * A message sent on a thread that runs a JTA transaction (an {@code Emitter.send} inside a
 * {@code @Transactional} method) is written at once on that transaction's connection, on the
 * sending thread ({@link #sendInTransaction}, called by the emitter): it
 * becomes visible if and only if the transaction commits (transactional outbox). The message
 * is acked when it is written, so awaiting the send inside the transaction does not block.
 * <p>
 * Every other message is queued and written by the channel's writer thread, which appends all
 * that is pending (up to {@code max-batch-size}) in one statement and then acks them; a
 * failed write nacks the messages of that batch.
 */
public final class QueueSink implements Flow.Subscriber<Message<?>> {

    private static final Logger LOG = Logger.getLogger(QueueSink.class);
    private static final int[] NONE = new int[0];

    private final QueueProducerSettings settings;
    private final DataSource dataSource;
    private final QueueStore store;
    private final ExchangeStore exchanges;
    private final PayloadCodec codec;
    private final TransactionManager transactions;
    private final Queue<Message<?>> pending = new ConcurrentLinkedQueue<>();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile String failure;
    private final AtomicLong unroutable = new AtomicLong();

    public QueueSink(QueueProducerSettings settings, DataSource dataSource, QueueStore store, ExchangeStore exchanges,
            PayloadCodec codec, TransactionManager transactions) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.store = store;
        this.exchanges = exchanges;
        this.codec = codec;
        this.transactions = transactions;
        this.writer = new Thread(this::write, "pgmessaging-producer-" + settings.channel());
        this.writer.setDaemon(true);
    }

    /** @return {@code null} when healthy, or what is wrong */
    public String failure() {
        return failure;
    }

    public String channel() {
        return settings.channel();
    }

    /** @return how many messages were dropped so far because they matched no binding of the exchange */
    public long unroutableCount() {
        return unroutable.get();
    }

    /** @return {@code false} if the writer thread died while the channel should run */
    public boolean isAlive() {
        return !running || writer.getState() == Thread.State.NEW || writer.isAlive();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        writer.start();
        // Unbounded demand: the writer queues what arrives and appends it in batches.
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Message<?> message) {
        if (!running) {
            message.nack(new IllegalStateException("Channel " + settings.channel() + " is stopped"));
            return;
        }
        pending.add(message);
        LockSupport.unpark(writer);
    }

    /**
     * Writes the message at once, on the connection of the calling thread's transaction, if there
     * is one: it then commits or rolls back with that transaction. The message is acked when it is
     * written (nacked if it cannot be), so awaiting the send inside the transaction does not block.
     *
     * @return {@code false} when the calling thread has no transaction (nothing was done)
     */
    public boolean sendInTransaction(Message<?> message) {
        if (!inTransaction()) {
            return false;
        }
        NewMessage row;
        try {
            row = toRow(message);
        } catch (RuntimeException e) {
            message.nack(e);
            return true;
        }
        // The connection is the one enlisted in the caller's transaction: closing it here only
        // returns it to the transaction, which commits or rolls back the message with the rest.
        List<Message<?>> batch = List.of(message);
        int[] unroutable;
        try (Connection connection = dataSource.getConnection()) {
            unroutable = write(connection, List.of(row));
        } catch (SQLException | RuntimeException e) {
            message.nack(e);
            return true;
        }
        settle(batch, List.of(row), unroutable);
        return true;
    }

    /**
     * A transaction marked rollback-only counts too: its message is written on its connection and
     * rolls back with it, rather than being committed on its own by the writer.
     */
    private boolean inTransaction() {
        try {
            int status = transactions == null ? Status.STATUS_NO_TRANSACTION : transactions.getStatus();
            return status == Status.STATUS_ACTIVE || status == Status.STATUS_MARKED_ROLLBACK;
        } catch (SystemException e) {
            return false;
        }
    }

    private void write() {
        List<Message<?>> batch = new ArrayList<>();
        List<NewMessage> rows = new ArrayList<>();
        while (running || !pending.isEmpty()) {
            Message<?> message = pending.poll();
            if (message == null) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            do {
                try {
                    rows.add(toRow(message));
                    batch.add(message);
                } catch (RuntimeException e) {
                    LOG.errorf("Channel %s cannot send a message: %s", settings.channel(), e.getMessage());
                    message.nack(e);
                }
            } while (batch.size() < settings.maxBatchSize() && (message = pending.poll()) != null);
            flush(batch, rows);
            batch.clear();
            rows.clear();
        }
    }

    private void flush(List<Message<?>> batch, List<NewMessage> rows) {
        if (batch.isEmpty()) {
            return;
        }
        int[] unroutable;
        try (Connection connection = dataSource.getConnection()) {
            unroutable = write(connection, rows);
            failure = null;
        } catch (SQLException | RuntimeException e) {
            failure = String.valueOf(e.getMessage());
            LOG.errorf("Channel %s could not send %d message(s) to %s: %s", settings.channel(), batch.size(),
                    destination(), e.getMessage());
            batch.forEach(m -> m.nack(e));
            return;
        }
        settle(batch, rows, unroutable);
    }

    /** @return the positions of the messages that were not stored because they matched no binding */
    private int[] write(Connection connection, List<NewMessage> rows) throws SQLException {
        ExchangeRoute route = settings.exchange();
        if (route == null) {
            store.send(connection, rows, settings.deduplicationWindow(), settings.notifyConsumers());
            return NONE;
        }
        return exchanges.publish(connection, route.exchange(), rows, route.alternateQueue(),
                settings.deduplicationWindow(), settings.notifyConsumers());
    }

    /** Acks the written messages; an unroutable one is nacked or counted as dropped, as configured. */
    private void settle(List<Message<?>> batch, List<NewMessage> rows, int[] unroutablePositions) {
        int next = 0;
        for (int i = 0; i < batch.size(); i++) {
            Message<?> message = batch.get(i);
            if (next < unroutablePositions.length && unroutablePositions[next] == i) {
                next++;
                unroutable(message, rows.get(i));
            } else {
                message.ack();
            }
        }
    }

    private void unroutable(Message<?> message, NewMessage row) {
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

    private String destination() {
        return settings.exchange() == null ? "queue " + settings.queue() : "exchange " + settings.exchange().exchange();
    }

    private NewMessage toRow(Message<?> message) {
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

    @Override
    public void onError(Throwable throwable) {
        LOG.errorf(throwable, "Channel %s failed upstream", settings.channel());
        stop();
    }

    @Override
    public void onComplete() {
        stop();
    }

    /** Stops after writing what is pending. */
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        LockSupport.unpark(writer);
        if (Thread.currentThread() != writer && writer.isAlive()) {
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
