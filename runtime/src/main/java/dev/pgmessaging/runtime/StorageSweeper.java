package dev.pgmessaging.runtime;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.sql.BoundedDataSource;
import dev.pgmessaging.runtime.sql.StatementTimeouts;

import dev.pgmessaging.runtime.exchange.ExchangeStore;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.queue.QueueStore;

/**
 * The background upkeep of a datasource's messaging tables.
 * <p>
 * Every second while this instance's consumers lease messages, one step of the rotation of the
 * message table's slots (rotate_queue_slots, in the schema baseline V1__baseline.sql): a slot whose
 * messages are all gone is truncated, which removes its dead tuples even while a long transaction
 * elsewhere keeps vacuum from doing so.
 * <p>
 * Every half minute: when a channel uses a topic, creates the coming daily segments of every topic
 * and drops those past their retention; deletes the
 * deduplication ids whose window has ended and the shared payloads of messages that an exchange
 * routed to several queues once every copy is gone (so acks stay a single DELETE on the hot table,
 * at the price of a shared payload outliving its last copy by up to half a minute), and, when a
 * channel archives acked messages, creates the archive's coming partitions and drops the expired
 * ones. Several instances may sweep at once: they delete disjoint or already deleted rows, and the
 * archive upkeep takes an advisory lock.
 */
final class StorageSweeper implements AutoCloseable {

    private static final long INTERVAL_SECONDS = 30;
    private static final long ROTATION_INTERVAL_MILLIS = 1000;
    /**
     * The size of the current slot past which the next one takes over. While vacuum cannot remove
     * dead tuples, a claim walks those of its queue in the current and the previous slot: 2 MiB is
     * about 4,000 messages of a few hundred bytes, a few seconds of a busy queue, and a rotation costs
     * one truncate of an empty slot.
     */
    private static final long ROTATE_BYTES = 2L * 1024 * 1024;
    /** At most how many messages one step moves out of the slot that is next in line. */
    private static final int MOVE_LIMIT = 1000;

    /** Bounded: a half-open connection does not hold this up (see {@link BoundedDataSource}). */
    private final DataSource dataSource;
    private final ExchangeStore exchanges;
    private final QueueStore queues;
    private final LogStore logs;
    private volatile boolean logsInUse;
    private final ScheduledExecutorService executor;
    private volatile Duration archiveRetention;
    private boolean failing;
    private boolean rotationFailing;
    private boolean rotationPending;

    StorageSweeper(DataSource dataSource, ExchangeStore exchanges, QueueStore queues, LogStore logs, String name) {
        this.dataSource = new BoundedDataSource(dataSource, StatementTimeouts.UPKEEP);
        this.exchanges = exchanges;
        this.queues = queues;
        this.logs = logs;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pgmessaging-sweeper-" + name);
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(this::sweep, INTERVAL_SECONDS, INTERVAL_SECONDS, TimeUnit.SECONDS);
        executor.scheduleWithFixedDelay(this::rotate, ROTATION_INTERVAL_MILLIS, ROTATION_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void rotate() {
        // idle, and nothing left to truncate: no statement at all
        if (!queues.claimedSinceLastAsked() && !rotationPending) {
            return;
        }
        try {
            rotationPending = queues.rotateSlots(dataSource, ROTATE_BYTES, MOVE_LIMIT);
            rotationFailing = false;
        } catch (SQLException | RuntimeException e) {
            rotationPending = true;
            if (!rotationFailing) {
                LOG.couldNotRotate(e.getMessage(), privilegeAdvice(e));
            }
            rotationFailing = true;
        }
    }

    /** Keeps the archive's partitions from now on; the first upkeep runs at once, so acks find today's. */
    void maintainArchive(Duration retention) throws SQLException {
        archiveRetention = retention;
        queues.maintainArchive(dataSource, retention);
    }

    /**
     * Keeps the topics' daily segments from now on (a channel uses a topic); the first upkeep runs
     * at once, so appends find today's segment even if the application was down for days.
     */
    synchronized void maintainLogSegments() throws SQLException {
        if (!logsInUse) {
            logs.maintainSegments(dataSource);
            logsInUse = true;
        }
    }

    private void sweep() {
        try {
            if (logsInUse) {
                int dropped = logs.maintainSegments(dataSource);
                if (dropped > 0) {
                    LOG.segmentsDropped(dropped);
                }
            }
            // a full batch means there may be more: go on at once
            while (exchanges.deleteOrphanBodies(dataSource) == ExchangeStore.SWEEP_BATCH) {
                LOG.debug("Deleted a batch of shared message payloads");
            }
            while (exchanges.deleteExpiredDeduplicationIds(dataSource) == ExchangeStore.SWEEP_BATCH) {
                LOG.debug("Deleted a batch of expired deduplication ids");
            }
            Duration retention = archiveRetention;
            if (retention != null) {
                int dropped = queues.maintainArchive(dataSource, retention);
                if (dropped > 0) {
                    LOG.archivePartitionsDropped(dropped, retention);
                }
            }
            failing = false;
        } catch (SQLException | RuntimeException e) {
            // usually the database is away (the channels report it too): say it once per streak;
            // the next sweep catches up, and the archive has partitions two days ahead
            if (!failing) {
                LOG.couldNotSweep(INTERVAL_SECONDS, e.getMessage(), privilegeAdvice(e));
            }
            failing = true;
        }
    }

    /**
     * What to do about a failure for want of a right: the upkeep needs the functions that run with
     * the owner's rights, which grant_application_role lets a role call (see the least-privilege
     * section of the schema baseline, V1__baseline.sql).
     */
    private static String privilegeAdvice(Exception e) {
        return e instanceof SQLException sql && "42501".equals(sql.getSQLState())
                ? " (the application role lacks a right: run SELECT <schema>.grant_application_role('<role>') as the"
                        + " schema's owner)"
                : "";
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
