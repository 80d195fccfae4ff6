package dev.pgmessaging.runtime.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * An outgoing channel that writes its messages in batches, each converted to a row of type
 * {@code R} first: the base of the queue and the log producers.
 * <p>
 * A message sent on a thread that runs a JTA transaction (an {@code Emitter.send} inside a
 * {@code @Transactional} method) is written in that transaction, from the sending thread
 * ({@link #sendInTransaction}, called by the emitter): it becomes visible if and only if the
 * transaction commits (transactional outbox). The message is acked when it is written (or held
 * for the commit), so awaiting the send inside the transaction does not block.
 * <p>
 * Every other message is queued and written by the channel's writer thread, which writes all that
 * is pending (up to {@code maxBatchSize}) in one statement and then acks them; a failed write
 * nacks the messages of that batch.
 */
public abstract class BatchingSink<R> implements Flow.Subscriber<Message<?>> {

    private static final Logger LOG = Logger.getLogger(BatchingSink.class);
    protected static final int[] ALL_STORED = new int[0];

    private final String channel;
    private final int maxBatchSize;
    private final DataSource dataSource;
    private final TransactionManager transactions;
    private final Queue<Message<?>> pending = new ConcurrentLinkedQueue<>();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile String failure;

    protected BatchingSink(String channel, int maxBatchSize, DataSource dataSource, TransactionManager transactions) {
        this.channel = channel;
        this.maxBatchSize = maxBatchSize;
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.writer = new Thread(this::write, "pgmessaging-producer-" + channel);
        this.writer.setDaemon(true);
    }

    /** Converts a message to the row to write; throws if it cannot be (the message is nacked). */
    protected abstract R toRow(Message<?> message);

    /**
     * Writes the rows in one statement on the connection.
     *
     * @return the positions (ascending) of the rows that were not stored, or {@link #ALL_STORED}
     */
    protected abstract int[] write(Connection connection, List<R> rows) throws SQLException;

    /** Called on the writer thread after rows it wrote were committed. */
    protected void committed(List<R> rows) {
    }

    /**
     * Whether {@link #write} runs on the writer thread, whose writes commit at once and are followed
     * by {@link #committed} (not in a caller's transaction).
     */
    protected boolean onWriterThread() {
        return Thread.currentThread() == writer;
    }

    /** Settles a message whose row {@link #write} did not store; acks it unless overridden. */
    protected void notStored(Message<?> message, R row) {
        message.ack();
    }

    /** Where the messages go, for error messages. */
    protected abstract String destination();

    /** @return {@code null} when healthy, or what is wrong */
    public String failure() {
        return failure;
    }

    public String channel() {
        return channel;
    }

    /** @return {@code false} if the writer thread died while the channel should run */
    public boolean isAlive() {
        return !running || writer.getState() == Thread.State.NEW || writer.isAlive();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        writer.start();
        // Unbounded demand: the writer queues what arrives and writes it in batches.
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Message<?> message) {
        if (!running) {
            message.nack(new IllegalStateException("Channel " + channel + " is stopped"));
            return;
        }
        pending.add(message);
        LockSupport.unpark(writer);
    }

    /**
     * Writes the message in the calling thread's transaction, if there is one (see
     * {@link #writeInTransaction}): it then commits or rolls back with that transaction. The message
     * is acked once written or held for the commit, so awaiting the send inside the transaction does
     * not block. A message that cannot be written is nacked and marks the transaction rollback-only:
     * a method that catches the failure cannot commit its other work without the message.
     *
     * @return {@code false} when the calling thread has no transaction (nothing was done)
     */
    public boolean sendInTransaction(Message<?> message) {
        if (!inTransaction()) {
            return false;
        }
        int[] notStored;
        R row;
        try {
            row = toRow(message);
            notStored = writeInTransaction(row);
        } catch (SQLException | RuntimeException e) {
            rollbackOnly();
            message.nack(e);
            return true;
        }
        settle(List.of(message), List.of(row), notStored);
        return true;
    }

    /**
     * Writes a row in the calling thread's transaction: at once, on the connection enlisted in it
     * (closing it here only returns it to the transaction), unless overridden.
     *
     * @return the positions of the rows not stored, as {@link #write}
     */
    protected int[] writeInTransaction(R row) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return write(connection, List.of(row));
        }
    }

    private void rollbackOnly() {
        try {
            transactions.setRollbackOnly();
        } catch (SystemException | IllegalStateException e) {
            LOG.warnf("Channel %s could not mark the sender's transaction rollback-only: %s", channel, e.getMessage());
        }
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
        List<R> rows = new ArrayList<>();
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
                    LOG.errorf("Channel %s cannot send a message: %s", channel, e.getMessage());
                    message.nack(e);
                }
            } while (batch.size() < maxBatchSize && (message = pending.poll()) != null);
            flush(batch, rows);
            batch.clear();
            rows.clear();
        }
    }

    private void flush(List<Message<?>> batch, List<R> rows) {
        if (batch.isEmpty()) {
            return;
        }
        int[] notStored;
        try (Connection connection = dataSource.getConnection()) {
            notStored = write(connection, rows);
            committed(rows); // at once: even if returning the connection fails, the write is in
            failure = null;
        } catch (SQLException | RuntimeException e) {
            failure = String.valueOf(e.getMessage());
            LOG.errorf("Channel %s could not send %d message(s) to %s: %s", channel, batch.size(), destination(),
                    e.getMessage());
            batch.forEach(m -> m.nack(e));
            return;
        }
        settle(batch, rows, notStored);
    }

    private void settle(List<Message<?>> batch, List<R> rows, int[] notStored) {
        int next = 0;
        for (int i = 0; i < batch.size(); i++) {
            Message<?> message = batch.get(i);
            if (next < notStored.length && notStored[next] == i) {
                next++;
                notStored(message, rows.get(i));
            } else {
                message.ack();
            }
        }
    }

    @Override
    public void onError(Throwable throwable) {
        LOG.errorf(throwable, "Channel %s failed upstream", channel);
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
