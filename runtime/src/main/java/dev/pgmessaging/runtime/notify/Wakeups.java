package dev.pgmessaging.runtime.notify;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.channel.WorkerThread;
import dev.pgmessaging.runtime.sql.BoundedDataSource;
import dev.pgmessaging.runtime.sql.StatementTimeouts;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Wakes idle queue and topic consumers when a producer announces new messages with NOTIFY. One instance
 * per datasource and schema holds one connection, whatever the number of queues and channels.
 * Notifications are only hints: they are lost while the connection is down, so every
 * consumer is woken after each (re)connection, and consumers keep polling as a backstop.
 * <p>
 * The producers of this application wake its consumers of a queue themselves, as soon as their
 * messages are committed ({@link #wake}): a notification takes two more process wake-ups (the
 * database's listening session, then this thread), most of a message's way from producer to
 * consumer when both are here. Their notifications carry this instance's {@link #origin()}, and
 * are skipped: a claim they triggered would find nothing.
 */
public final class Wakeups implements AutoCloseable {

    private static final int RECEIVE_TIMEOUT_MILLIS = 500;
    private static final long RECONNECT_DELAY_MILLIS = 1000;
    /**
     * Waiting for notifications never fails on a half-open connection (a peer that vanished
     * without closing), so the connection is checked with a round trip this often.
     */
    private static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Bounded: a half-open connection does not hold this up (see {@link BoundedDataSource}). */
    private final DataSource dataSource;
    private final String channel;
    private final Map<String, List<Runnable>> consumers = new ConcurrentHashMap<>();
    private final WorkerThread thread;
    private final String origin = Long.toHexString(new SecureRandom().nextLong());
    private volatile boolean running = true;

    public Wakeups(DataSource dataSource, String channel, String name) {
        this.dataSource = new BoundedDataSource(dataSource, StatementTimeouts.DEFAULT);
        this.channel = channel;
        this.thread = new WorkerThread("pgmessaging-listener-" + name, this::run);
    }

    /** Starts listening, unless started already. */
    public void start() {
        thread.start();
    }

    /** What this instance's producers add to their notifications: it has woken its consumers already. */
    public String origin() {
        return origin;
    }

    public void register(String queue, Runnable wake) {
        consumers.computeIfAbsent(queue, q -> new CopyOnWriteArrayList<>()).add(wake);
    }

    public void unregister(String queue, Runnable wake) {
        List<Runnable> list = consumers.get(queue);
        if (list != null) {
            list.remove(wake);
        }
    }

    private void run() {
        boolean warned = false;
        while (running) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                PGConnection pg = connection.unwrap(PGConnection.class);
                // The channel name is built from the validated schema name (see NotificationChannel).
                statement.execute("LISTEN \"" + channel + "\"");
                if (warned) {
                    LOG.listeningAgain(channel);
                    warned = false;
                }
                wakeAll();
                long lastCheck = System.nanoTime();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(RECEIVE_TIMEOUT_MILLIS);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            String queue = notification.getParameter();
                            int space = queue.indexOf(' ');
                            if (space < 0) {
                                wake(queue);
                            } else if (!queue.substring(space + 1).equals(origin)) {
                                wake(queue.substring(0, space));
                            }
                        }
                    }
                    if (System.nanoTime() - lastCheck > CHECK_INTERVAL_NANOS) {
                        statement.execute("SELECT 1");
                        lastCheck = System.nanoTime();
                    }
                }
                // The connection goes back to the pool: it must not keep collecting notifications.
                statement.execute("UNLISTEN *");
            } catch (SQLException | RuntimeException e) {
                if (running && !warned) {
                    LOG.notificationsLost(e.getMessage());
                    warned = true;
                }
                pause();
            }
        }
    }

    /** Wakes the consumers of the queue registered here. */
    public void wake(String queue) {
        List<Runnable> list = consumers.get(queue);
        if (list != null) {
            list.forEach(Runnable::run);
        }
    }

    private void wakeAll() {
        consumers.values().forEach(list -> list.forEach(Runnable::run));
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_DELAY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        // within one receive timeout (or reconnect pause) the thread sees it should stop
        if (!thread.join(RECEIVE_TIMEOUT_MILLIS + RECONNECT_DELAY_MILLIS)) {
            thread.interrupt();
        }
    }
}
