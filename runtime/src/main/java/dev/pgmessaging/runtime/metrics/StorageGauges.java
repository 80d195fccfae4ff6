package dev.pgmessaging.runtime.metrics;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

import dev.pgmessaging.runtime.api.QueueInfo;
import io.quarkus.runtime.metrics.MetricsFactory;

/**
 * The gauges of a datasource's queues and topics. They are read from one snapshot, which the first
 * gauge read after {@code interval} refreshes: two statements, however many gauges and scrapes,
 * and none at all while nobody reads them. A queue, topic partition or group seen for the first time
 * gets its gauges then, so it shows from the next scrape on; one that no longer exists reads NaN.
 */
public final class StorageGauges {

    /** Reads the snapshot from the database. */
    @FunctionalInterface
    public interface Source {
        StorageSnapshot read() throws SQLException;
    }

    /** A gauge to register: its meter, its own tags and the key of its value. */
    private record NewGauge(Meter meter, String key, String[] tags) {
    }

    private final String dataSource;
    private final long intervalNanos;
    private final Source source;
    private final TaggedMeters meters;
    private final LongAdder failures = new LongAdder();
    /** The keys of the gauges registered (guarded by this). */
    private final Set<String> registered = new HashSet<>();
    private volatile Map<String, Double> values = Map.of();
    private volatile double refreshSeconds = Double.NaN;
    /** When the last refresh ended ({@code System.nanoTime}), guarded by this. */
    private long refreshedAt;
    private boolean refreshed;

    StorageGauges(MetricsFactory factory, String dataSource, Duration interval, Source source) {
        this.dataSource = dataSource;
        this.intervalNanos = interval.toNanos();
        this.source = source;
        this.meters = new TaggedMeters(factory, "datasource", dataSource);
        // the gauge that always exists: reading it takes the first snapshot, which registers the others
        meters.gauge(Meter.GAUGES_REFRESH, () -> {
            current();
            return refreshSeconds;
        });
        meters.counter(Meter.GAUGES_REFRESH_FAILURES, failures);
    }

    /** The values of the gauges, refreshed first when they are older than the interval. */
    Map<String, Double> current() {
        List<NewGauge> added;
        synchronized (this) {
            long now = System.nanoTime();
            if (refreshed && now - refreshedAt < intervalNanos) {
                return values;
            }
            refreshed = true;
            added = refresh();
            // from its end: a refresh slower than the interval (a database that does not answer)
            // must not be tried again by every other gauge of the same scrape
            refreshedAt = System.nanoTime();
        }
        // registered outside the lock: the metrics system may read other gauges meanwhile
        for (NewGauge gauge : added) {
            meters.gauge(gauge.meter(), () -> current().getOrDefault(gauge.key(), Double.NaN), gauge.tags());
        }
        return values;
    }

    private List<NewGauge> refresh() {
        long started = System.nanoTime();
        StorageSnapshot snapshot;
        try {
            snapshot = source.read();
        } catch (SQLException | RuntimeException e) {
            failures.increment();
            LOG.gaugesNotRefreshed(dataSource, String.valueOf(e.getMessage()));
            return List.of();
        }
        refreshSeconds = (System.nanoTime() - started) / 1e9;
        Map<String, Double> next = new HashMap<>();
        List<NewGauge> added = new ArrayList<>();
        for (QueueInfo queue : snapshot.queues()) {
            String[] tags = { "queue", queue.name() };
            put(next, added, Meter.QUEUE_READY, queue.ready(), tags);
            put(next, added, Meter.QUEUE_DELAYED, queue.delayed(), tags);
            put(next, added, Meter.QUEUE_IN_FLIGHT, queue.inFlight(), tags);
            if (queue.deadLetterQueue() != null) {
                put(next, added, Meter.QUEUE_DEAD_LETTERED, queue.deadLettered(), tags);
            }
            put(next, added, Meter.QUEUE_OLDEST_READY_AGE,
                    queue.oldestReady() == null ? 0 : queue.oldestReady().toNanos() / 1e9, tags);
        }
        for (PartitionOffsets partition : snapshot.partitions()) {
            String number = String.valueOf(partition.partition());
            put(next, added, Meter.TOPIC_END_OFFSET, partition.endOffset(), "topic", partition.topic(), "partition", number);
            if (partition.group() != null) {
                String[] tags = { "topic", partition.topic(), "group", partition.group(), "partition", number };
                put(next, added, Meter.GROUP_COMMITTED_OFFSET,
                        partition.committedOffset() == null ? Double.NaN : partition.committedOffset(), tags);
                put(next, added, Meter.GROUP_LAG, partition.lag(), tags);
                put(next, added, Meter.GROUP_OLDEST_UNCONSUMED_AGE,
                        partition.oldestUnconsumedAge() == null ? 0 : partition.oldestUnconsumedAge(), tags);
            }
        }
        values = next;
        return added;
    }

    private void put(Map<String, Double> next, List<NewGauge> added, Meter meter, double value, String... tags) {
        String key = meter.meterName + String.join("\u0000", tags);
        next.put(key, value);
        if (registered.add(key)) {
            added.add(new NewGauge(meter, key, tags));
        }
    }
}
