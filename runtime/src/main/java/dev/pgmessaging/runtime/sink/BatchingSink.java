package dev.pgmessaging.runtime.sink;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.channel.ChannelEndpoint;
import dev.pgmessaging.runtime.channel.WorkerThread;
import dev.pgmessaging.runtime.metrics.ChannelMeters;
import dev.pgmessaging.runtime.sql.BoundedDataSource;
import dev.pgmessaging.runtime.sql.CommitOutcomes;
import dev.pgmessaging.runtime.sql.StatementTimeouts;
import dev.pgmessaging.runtime.sql.TransientFailures;

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
 * is pending (up to {@code maxBatchSize}) in one statement, commits, and then acks them. A write
 * that fails because the database did (a lost connection, a restart, a failover, a serialization
 * failure) is tried again, until {@code delivery-timeout} after the message was sent, as a Kafka
 * producer does; any other failure, or the timeout, nacks the messages of that batch. A message is
 * never written twice: the writer commits in a transaction of its own, and when the commit got no
 * answer it asks the database whether that transaction committed before it writes again
 * ({@link CommitOutcomes}).
 */
public abstract class BatchingSink<R> implements Flow.Subscriber<Message<?>>, ChannelEndpoint {

    protected static final int[] ALL_STORED = new int[0];
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LONGEST_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** A message waiting for the writer, with when it was sent (System.nanoTime), for the delivery timeout. */
    private record Sent(Message<?> message, long at) {
    }

    private final String channel;
    private final int maxBatchSize;
    /** The pool, for the writes in senders' transactions. */
    private final DataSource dataSource;
    /** The pool's connections bounded for the writer's own statements. */
    private final BoundedDataSource writes;
    private final CommitOutcomes outcomes;
    private final long deliveryTimeoutNanos;
    private final TransactionManager transactions;
    private final Queue<Sent> pending = new ConcurrentLinkedQueue<>();
    private final WorkerThread writer;
    private volatile boolean running = true;
    private volatile String failure;
    private volatile ChannelMeters meters = ChannelMeters.NONE;

    protected BatchingSink(String channel, int maxBatchSize, Duration deliveryTimeout, DataSource dataSource,
            TransactionManager transactions) {
        this.channel = channel;
        this.maxBatchSize = maxBatchSize;
        this.deliveryTimeoutNanos = deliveryTimeout.toNanos();
        this.dataSource = dataSource;
        this.writes = new BoundedDataSource(dataSource, StatementTimeouts.DEFAULT);
        this.outcomes = new CommitOutcomes(writes);
        this.transactions = transactions;
        this.writer = new WorkerThread("pgmessaging-producer-" + channel, this::write);
    }

    /** Counts the messages written (set before the first send). */
    public final void meterWith(ChannelMeters meters) {
        this.meters = meters;
    }

    /** What the channel counts with ({@link ChannelMeters#NONE} until {@link #meterWith}). */
    protected final ChannelMeters meters() {
        return meters;
    }

    /** Converts a message to the row to write; throws if it cannot be (the message is nacked). */
    protected abstract R toRow(Message<?> message);

    /**
     * Writes the rows in one statement on the connection.
     *
     * @param transaction told the id of the transaction that wrote them, unless {@code null}
     * @return the positions (ascending) of the rows that were not stored, or {@link #ALL_STORED}
     */
    protected abstract int[] write(Connection connection, List<R> rows, LongConsumer transaction) throws SQLException;

    /** Called on the writer thread after rows it wrote were committed. */
    protected void committed(List<R> rows) {
    }

    /** Called on the writer thread after rows it wrote were not committed (they are written again, or nacked). */
    protected void notCommitted(List<R> rows) {
    }

    /**
     * Whether {@link #write} runs on the writer thread, whose writes commit at once and are followed
     * by {@link #committed} (not in a caller's transaction).
     */
    protected boolean onWriterThread() {
        return writer.isCurrentThread();
    }

    /** Settles a message whose row {@link #write} did not store; acks it unless overridden. */
    protected void notStored(Message<?> message, R row) {
        message.ack();
    }

    /** Where the messages go, for error messages. */
    protected abstract String destination();

    /** @return {@code null} when healthy, or what is wrong */
    @Override
    public String failure() {
        return failure;
    }

    @Override
    public String channel() {
        return channel;
    }

    /** @return {@code false} if the writer thread died while the channel should run */
    @Override
    public boolean isAlive() {
        return !running || writer.isNotStartedOrAlive();
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
        pending.add(new Sent(message, System.nanoTime()));
        writer.unpark();
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
     * (closing it here only returns it to the transaction), unless overridden. Returns the positions
     * of the rows not stored, as {@link #write}.
     */
    protected int[] writeInTransaction(R row) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return write(connection, List.of(row), null);
        }
    }

    private void rollbackOnly() {
        try {
            transactions.setRollbackOnly();
        } catch (SystemException | IllegalStateException e) {
            LOG.couldNotMarkRollbackOnly(channel, e.getMessage());
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
        List<Sent> batch = new ArrayList<>();
        List<R> rows = new ArrayList<>();
        while (running || !pending.isEmpty()) {
            Sent sent = pending.poll();
            if (sent == null) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            do {
                try {
                    rows.add(toRow(sent.message()));
                    batch.add(sent);
                } catch (RuntimeException e) {
                    LOG.cannotSend(channel, e.getMessage());
                    sent.message().nack(e);
                }
            } while (batch.size() < maxBatchSize && (sent = pending.poll()) != null);
            flush(batch, rows);
            batch.clear();
            rows.clear();
        }
    }

    /**
     * Writes the batch, again after a failure of the database, until the delivery timeout of its
     * messages; then acks what was written, and nacks what was not.
     */
    private void flush(List<Sent> batch, List<R> rows) {
        long retryIn = FIRST_RETRY_NANOS;
        boolean retried = false;
        while (!batch.isEmpty()) {
            int[] notStored;
            try {
                notStored = writeAndCommit(rows, oldest(batch) + deliveryTimeoutNanos);
            } catch (SQLException | RuntimeException e) {
                failure = String.valueOf(e.getMessage());
                if (!TransientFailures.isTransient(e) || !running) {
                    LOG.couldNotSend(channel, batch.size(), destination(), e.getMessage());
                    batch.forEach(s -> s.message().nack(e));
                    return;
                }
                expire(batch, rows, e);
                if (!retried && !batch.isEmpty()) {
                    LOG.sendRetrying(channel, batch.size(), destination(), TransientFailures.describe(e),
                            TimeUnit.NANOSECONDS.toSeconds(deliveryTimeoutNanos));
                }
                retried = true;
                LockSupport.parkNanos(this, retryIn);
                retryIn = Math.min(retryIn * 2, LONGEST_RETRY_NANOS);
                continue;
            }
            if (retried) {
                LOG.sentAfterRecovery(channel, batch.size(), destination());
            }
            failure = null;
            settle(batch.stream().<Message<?>> map(Sent::message).toList(), rows, notStored);
            return;
        }
    }

    /**
     * One attempt: writes the rows and commits, in a transaction of their own; a commit that got no
     * answer is settled by asking the database whether it committed, until {@code deadline}.
     *
     * @throws SQLException when the rows were not committed (or it could not be told)
     */
    private int[] writeAndCommit(List<R> rows, long deadline) throws SQLException {
        Connection connection = writes.getConnection();
        long[] transactionId = { -1 };
        int[] notStored;
        try {
            connection.setAutoCommit(false);
            notStored = write(connection, rows, id -> transactionId[0] = id);
        } catch (SQLException | RuntimeException e) {
            closeAfterFailure(connection);
            notCommitted(rows);
            throw e;
        }
        try {
            connection.commit();
        } catch (SQLException e) {
            closeAfterFailure(connection);
            // the commit was sent: when the connection broke, it may have committed all the same
            if (!TransientFailures.isTransient(e) || transactionId[0] < 0 || !outcomes.committed(transactionId[0], deadline)) {
                notCommitted(rows);
                throw e;
            }
            committed(rows);
            return notStored;
        }
        committed(rows); // at once: even if returning the connection fails, the write is in
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("Channel %s could not return a connection after a write: %s", channel, e.getMessage());
        }
        return notStored;
    }

    private static void closeAfterFailure(Connection connection) {
        try (connection) { // closed even when the rollback fails
            if (!connection.isClosed()) {
                connection.rollback();
            }
        } catch (SQLException | RuntimeException ignored) {
            // the connection is broken: the pool drops it
        }
    }

    /** Nacks the messages sent longer than the delivery timeout ago, and drops them from the batch. */
    private void expire(List<Sent> batch, List<R> rows, Exception cause) {
        long now = System.nanoTime();
        for (int i = batch.size() - 1; i >= 0; i--) {
            if (now - batch.get(i).at() >= deliveryTimeoutNanos) {
                Message<?> message = batch.remove(i).message();
                rows.remove(i);
                message.nack(new IllegalStateException("Channel " + channel + " could not send the message to "
                        + destination() + " within its delivery timeout: " + cause.getMessage(), cause));
            }
        }
        if (batch.isEmpty()) {
            LOG.deliveryTimedOut(channel, destination(), cause.getMessage());
        }
    }

    private static long oldest(List<Sent> batch) {
        long oldest = batch.get(0).at();
        for (Sent sent : batch) {
            oldest = sent.at() - oldest < 0 ? sent.at() : oldest; // nanoTime: compared by difference
        }
        return oldest;
    }

    private void settle(List<Message<?>> batch, List<R> rows, int[] notStored) {
        meters.sent(batch.size() - notStored.length);
        for (int i = 0, next = 0; i < batch.size(); i++) {
            if (next < notStored.length && notStored[next] == i) {
                next++;
                notStored(batch.get(i), rows.get(i));
            } else {
                batch.get(i).ack();
            }
        }
    }

    @Override
    public void onError(Throwable throwable) {
        LOG.upstreamFailed(channel, throwable);
        stop();
    }

    @Override
    public void onComplete() {
        stop();
    }

    /** A producer takes no work once stopped: it writes what it holds and stops. */
    @Override
    public void stopTakingWork() {
        stop();
    }

    /** Stops after writing what is pending. */
    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        writer.unpark();
        writer.join(10_000);
    }
}
