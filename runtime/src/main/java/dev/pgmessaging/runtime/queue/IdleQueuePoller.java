package dev.pgmessaging.runtime.queue;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.channel.WorkerThread;
import dev.pgmessaging.runtime.sql.BoundedDataSource;
import dev.pgmessaging.runtime.sql.StatementTimeouts;

/**
 * Looks for claimable messages on behalf of every idle queue consumer of a datasource and schema,
 * with one statement per round whatever the number of queues, and wakes the consumers of the
 * queues that have some. It finds what no notification announces: delayed messages that came due,
 * messages whose lease expired, and every message when notifications are off or were lost. Each
 * consumer is looked for at its own {@code poll-interval}, unless it claimed messages meanwhile; the
 * consumers themselves never poll, so an idle application with hundreds of queues issues a
 * statement per poll interval, not hundreds.
 */
public final class IdleQueuePoller implements AutoCloseable {

    /** A consumer looked for; {@link #busy()} puts off its next poll by an interval. */
    public static final class Registration {
        final String queue;
        final Runnable wake;
        final long intervalNanos;
        volatile long dueAt;

        Registration(String queue, Runnable wake, Duration interval) {
            this.queue = queue;
            this.wake = wake;
            this.intervalNanos = interval.toNanos();
            this.dueAt = System.nanoTime() + intervalNanos;
        }

        /** The consumer just claimed messages: it is not idle, no need to look for it for an interval. */
        public void busy() {
            dueAt = System.nanoTime() + intervalNanos;
        }
    }

    /** Bounded: a half-open connection does not hold this up (see {@link BoundedDataSource}). */
    private final DataSource dataSource;
    private final QueueStore store;
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private final WorkerThread thread;
    private volatile boolean running = true;
    private boolean failing;

    public IdleQueuePoller(DataSource dataSource, QueueStore store, String name) {
        this.dataSource = new BoundedDataSource(dataSource, StatementTimeouts.DEFAULT);
        this.store = store;
        this.thread = new WorkerThread("pgmessaging-poller-" + name, this::run);
    }

    public void start() {
        thread.start();
    }

    /**
     * Wakes {@code wake} when the queue has claimable messages, looking every {@code interval} while
     * the consumer is idle.
     */
    public Registration register(String queue, Runnable wake, Duration interval) {
        Registration registration = new Registration(queue, wake, interval);
        registrations.add(registration);
        thread.unpark();
        return registration;
    }

    public void unregister(Registration registration) {
        registrations.remove(registration);
    }

    private void run() {
        while (running) {
            long now = System.nanoTime();
            List<Registration> due = registrations.stream().filter(r -> r.dueAt - now <= 0).toList();
            if (!due.isEmpty()) {
                // those due within half their interval come along: registrations made at different
                // times fall into step, and the rounds stay one per interval, not one per channel
                due = registrations.stream().filter(r -> r.dueAt - now <= r.intervalNanos / 2).toList();
                poll(due);
                long next = System.nanoTime();
                due.forEach(r -> r.dueAt = next + r.intervalNanos);
            }
            long wait = registrations.stream().mapToLong(r -> r.dueAt - System.nanoTime()).min()
                    .orElse(TimeUnit.SECONDS.toNanos(1));
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    private void poll(List<Registration> due) {
        try {
            Set<String> withMessages = store.queuesWithClaimableMessages(dataSource,
                    due.stream().map(r -> r.queue).distinct().toArray(String[]::new));
            if (failing) {
                LOG.pollingAgain();
                failing = false;
            }
            due.stream().filter(r -> withMessages.contains(r.queue)).forEach(r -> r.wake.run());
        } catch (SQLException | RuntimeException e) {
            if (!failing) {
                LOG.couldNotPoll(due.stream().map(r -> r.queue).distinct().collect(Collectors.joining(", ")),
                        e.getMessage());
                failing = true;
            }
            // their consumers try for themselves, and report what is wrong
            due.forEach(r -> r.wake.run());
        }
    }

    @Override
    public void close() {
        running = false;
        thread.unpark();
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }
}
