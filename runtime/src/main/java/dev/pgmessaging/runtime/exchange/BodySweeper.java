package dev.pgmessaging.runtime.exchange;

import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

/**
 * Deletes, every half minute, the shared payloads of messages that an exchange routed to several
 * queues once every copy is gone. Acks stay a single DELETE on the hot table; the price is that a
 * shared payload outlives its last copy by up to half a minute. Several instances may sweep at
 * once: they delete disjoint or already deleted rows, nothing else.
 */
public final class BodySweeper implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BodySweeper.class);
    private static final long INTERVAL_SECONDS = 30;

    private final ScheduledExecutorService executor;

    public BodySweeper(DataSource dataSource, ExchangeStore store, String name) {
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pgmessaging-sweeper-" + name);
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(() -> sweep(dataSource, store), INTERVAL_SECONDS, INTERVAL_SECONDS,
                TimeUnit.SECONDS);
    }

    private static void sweep(DataSource dataSource, ExchangeStore store) {
        try {
            // a full batch means there may be more: go on at once
            while (store.deleteOrphanBodies(dataSource) == ExchangeStore.SWEEP_BATCH) {
                LOG.debug("Deleted a batch of shared message payloads");
            }
        } catch (SQLException | RuntimeException e) {
            // the database is away: the channels report it; the next sweep will catch up
            LOG.debugf("Could not delete unreferenced message payloads: %s", e.getMessage());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
