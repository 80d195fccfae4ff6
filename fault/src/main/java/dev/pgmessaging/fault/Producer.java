package dev.pgmessaging.fault;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.Record;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The producer (profile "producer"): threads that each run outbox transactions in a loop, every
 * one writing a row per message in {@code fault_produced} and sending the messages to the queue
 * (several) and keyed records to the topic (one to five, to whatever partitions their keys give),
 * one transaction in ten rolled back; plus one message per loop sent outside any transaction,
 * recorded in {@code fault_sent} once acked. What {@code fault_produced} holds is exactly what was
 * committed: the suite checks that each of them was handled once.
 */
@ApplicationScoped
public class Producer {

    private static final Logger LOG = Logger.getLogger(Producer.class);

    @ConfigProperty(name = "fault.producer.enabled", defaultValue = "false")
    boolean enabled;
    @ConfigProperty(name = "fault.producer.threads", defaultValue = "4")
    int threads;
    /** Transactions per second, all threads together. */
    @ConfigProperty(name = "fault.producer.rate", defaultValue = "50")
    double rate;
    @ConfigProperty(name = "fault.producer.queue-messages", defaultValue = "5")
    int queueMessages;
    @ConfigProperty(name = "fault.producer.max-records", defaultValue = "5")
    int maxRecords;
    @ConfigProperty(name = "fault.process")
    String process;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    @Channel("jobs-out")
    Emitter<String> jobs;
    @Inject
    @Channel("events-out")
    Emitter<Record<String, String>> events;
    @Inject
    @Channel("loose-out")
    Emitter<String> loose;

    private final List<Thread> running = new ArrayList<>();
    private final Queue<String> acked = new ConcurrentLinkedQueue<>();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean producing;

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        producing = true;
        String prefix = process + "-" + System.currentTimeMillis() + "-";
        for (int t = 0; t < threads; t++) {
            String threadPrefix = prefix + t + "-";
            Thread thread = new Thread(() -> produce(threadPrefix), "fault-producer-" + t);
            running.add(thread);
            thread.start();
        }
        LOG.infof("Producing with %d threads at %.0f transactions a second", threads, rate);
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        producing = false;
        for (Thread thread : running) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        recordAcked();
        LOG.infof("Stopped producing (%d transactions failed, as the faults made them)", failed.get());
    }

    private void produce(String prefix) {
        long pause = (long) (TimeUnit.SECONDS.toNanos(1) * threads / rate);
        for (long n = 0; producing; n++) {
            long started = System.nanoTime();
            String id = prefix + n;
            try {
                QuarkusTransaction.requiringNew().run(() -> sendInOneTransaction(id));
            } catch (RuntimeException e) {
                if (!(rootCause(e) instanceof IntendedRollback)) {
                    failed.incrementAndGet();
                    LOG.debugf("Transaction %s failed: %s", id, e);
                }
            }
            String looseId = id + "-n";
            loose.send(looseId).whenComplete((ignored, failure) -> {
                if (failure == null) {
                    acked.add(looseId);
                }
            });
            recordAcked();
            LockSupport.parkNanos(pause - (System.nanoTime() - started)); // the producer's pace
        }
    }

    /** Several queue messages and one to five keyed records, each with its row in fault_produced. */
    private void sendInOneTransaction(String id) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO fault_produced (id, kind) VALUES (?, ?)")) {
            for (int i = 0; i < queueMessages; i++) {
                String message = id + "-q" + i;
                insert.setString(1, message);
                insert.setString(2, "queue");
                insert.addBatch();
                jobs.send(message);
            }
            int records = 1 + random.nextInt(maxRecords);
            for (int i = 0; i < records; i++) {
                String record = id + "-t" + i;
                insert.setString(1, record);
                insert.setString(2, "topic");
                insert.addBatch();
                events.send(Record.of("k" + random.nextInt(100), record));
            }
            insert.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        if (random.nextInt(10) == 0) {
            throw new IntendedRollback();
        }
    }

    /** The messages sent outside a transaction and acked: at least these must be handled (once). */
    private void recordAcked() {
        List<String> batch = new ArrayList<>();
        for (String id; (id = acked.poll()) != null;) {
            batch.add(id);
        }
        if (batch.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO fault_sent (id) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING")) {
            insert.setArray(1, connection.createArrayOf("text", batch.toArray()));
            insert.executeUpdate();
        } catch (SQLException e) {
            acked.addAll(batch); // the database is away: next time
        }
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    static final class IntendedRollback extends RuntimeException {
        IntendedRollback() {
            super("rolled back on purpose", null, false, false);
        }
    }
}
