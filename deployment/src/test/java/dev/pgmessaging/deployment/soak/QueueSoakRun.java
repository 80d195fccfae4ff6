package dev.pgmessaging.deployment.soak;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The queue soak run (scripts/soak.sh; never part of the normal build): a producer appends at a
 * fixed rate for N minutes while two channels consume and ack, optionally with another connection
 * holding a transaction open (the xmin horizon held, so vacuum cannot remove dead rows). Prints,
 * per minute: messages consumed, end-to-end latency percentiles, backlog, table and index size,
 * and dead tuples, so that decay (claims slowing as dead tuples pile up) shows as a trend.
 */
@EnabledIfSystemProperty(named = "pgmessaging.soak.minutes", matches = "\\d+")
class QueueSoakRun {

    static final String SCHEMA = "queue_soak";
    static final int MINUTES = Integer.getInteger("pgmessaging.soak.minutes", 0);
    static final int RATE = Integer.getInteger("pgmessaging.soak.rate", 1000);
    static final boolean HOLD_XMIN = Boolean.getBoolean("pgmessaging.soak.hold-xmin");

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.soak-a.queue", "soak")
            .overrideConfigKey("mp.messaging.incoming.soak-b.queue", "soak")
            .overrideConfigKey("quarkus.datasource.jdbc.max-size", "20");

    @Inject
    Consumers consumers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void soak() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        byte[] payload = new byte[100];
        Arrays.fill(payload, (byte) 'x');
        Connection holder = null;
        if (HOLD_XMIN) {
            holder = dataSource.getConnection();
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT txid_current()"); // an open transaction with an xid: vacuum keeps every row it might see
            }
        }
        System.out.printf("%nQueue soak: %d msg/s for %d min, 100-byte payloads, 2 consumers%s%n", RATE, MINUTES,
                HOLD_XMIN ? ", xmin horizon held by an open transaction" : "");
        System.out.println("| minute | consumed/s | p50 ms | p99 ms | backlog | table+indexes MB | dead tuples |");
        System.out.println("|---|---|---|---|---|---|---|");
        long start = System.nanoTime();
        long sent = 0;
        long lastConsumed = 0;
        int batch = Math.max(1, RATE / 100); // one statement every 10 ms
        for (int minute = 1; minute <= MINUTES; minute++) {
            consumers.resetLatencies();
            long minuteEnd = start + TimeUnit.MINUTES.toNanos(minute);
            while (System.nanoTime() < minuteEnd) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * RATE);
                if (sent < due) {
                    int n = (int) Math.min(batch, due - sent);
                    List<NewMessage> messages = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        messages.add(new NewMessage("soak", null, "application/octet-stream", null, payload));
                    }
                    try (Connection connection = dataSource.getConnection()) {
                        store.send(connection, messages, Duration.ofMinutes(5), true);
                    }
                    sent += n;
                } else {
                    Thread.sleep(2);
                }
            }
            long consumed = consumers.consumed();
            long[] percentiles = consumers.latencyPercentiles();
            System.out.printf("| %d | %d | %d | %d | %d | %.1f | %d |%n", minute, (consumed - lastConsumed) / 60,
                    percentiles[0], percentiles[1], sent - consumed, tableMegabytes(), deadTuples());
            lastConsumed = consumed;
        }
        if (holder != null) {
            holder.rollback();
            holder.close();
        }
    }

    private double tableMegabytes() throws SQLException {
        // the slots, with their indexes (the partitioned table itself has no storage)
        return queryLong("SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('" + SCHEMA
                + ".queue_message')") / 1024.0 / 1024.0;
    }

    private long deadTuples() throws SQLException {
        return queryLong("SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables WHERE schemaname = '" + SCHEMA
                + "' AND relname LIKE 'queue\\_message\\_s%'");
    }

    private long queryLong(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql);
                ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @ApplicationScoped
    static class Consumers {
        private final AtomicLong consumed = new AtomicLong();
        // latency histogram in milliseconds, 0..9999 (the last bucket holds everything above)
        private volatile AtomicLongArray latencies = new AtomicLongArray(10_000);

        @Incoming("soak-a")
        void a(byte[] payload, IncomingQueueMetadata metadata) {
            record(metadata);
        }

        @Incoming("soak-b")
        void b(byte[] payload, IncomingQueueMetadata metadata) {
            record(metadata);
        }

        private void record(IncomingQueueMetadata metadata) {
            long millis = Duration.between(metadata.enqueuedAt(), Instant.now()).toMillis();
            latencies.incrementAndGet((int) Math.max(0, Math.min(9_999, millis)));
            consumed.incrementAndGet();
        }

        long consumed() {
            return consumed.get();
        }

        void resetLatencies() {
            latencies = new AtomicLongArray(10_000);
        }

        long[] latencyPercentiles() {
            AtomicLongArray histogram = latencies;
            long total = 0;
            for (int i = 0; i < histogram.length(); i++) {
                total += histogram.get(i);
            }
            long[] result = new long[2];
            double[] quantiles = { 0.50, 0.99 };
            for (int q = 0; q < quantiles.length; q++) {
                long target = (long) Math.ceil(total * quantiles[q]);
                long seen = 0;
                for (int i = 0; i < histogram.length(); i++) {
                    seen += histogram.get(i);
                    if (seen >= target && target > 0) {
                        result[q] = i;
                        break;
                    }
                }
            }
            return result;
        }
    }
}
