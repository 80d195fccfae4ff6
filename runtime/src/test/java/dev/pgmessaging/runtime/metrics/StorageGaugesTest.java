package dev.pgmessaging.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.pgmessaging.runtime.api.QueueInfo;

/**
 * The gauges' snapshot: nothing is read from the database until a gauge is, then at most once per
 * interval however many gauges are read; a queue or group that appears gets its gauges, one that
 * goes away reads NaN, and a failed refresh keeps the last values and is counted.
 */
class StorageGaugesTest {

    private final RecordingMetricsFactory metrics = new RecordingMetricsFactory();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicReference<Object> next = new AtomicReference<>(snapshot(queue("orders", 3)));

    private StorageGauges gauges(Duration interval) {
        return new StorageGauges(metrics, "<default>", interval, () -> {
            reads.incrementAndGet();
            Object answer = next.get();
            if (answer instanceof SQLException e) {
                throw e;
            }
            return (StorageSnapshot) answer;
        });
    }

    @Test
    void nothingIsReadUntilAGaugeIsThenAtMostOncePerInterval() {
        gauges(Duration.ofHours(1));
        assertEquals(0, reads.get(), "no statement without a read");
        assertEquals(List.of("pgmessaging.gauges.refresh{datasource=<default>}",
                "pgmessaging.gauges.refresh.failures{datasource=<default>}"), List.copyOf(metrics.meters.keySet()));

        metrics.read("pgmessaging.gauges.refresh{datasource=<default>}");
        assertEquals(1, reads.get());
        for (int scrape = 0; scrape < 100; scrape++) {
            metrics.meters.values().forEach(meter -> meter.get());
        }
        assertEquals(1, reads.get(), "one snapshot for every gauge and scrape within the interval");
        assertEquals(3.0, metrics.read("pgmessaging.queue.ready{datasource=<default>,queue=orders}"));
        assertEquals(1.0, metrics.read("pgmessaging.queue.delayed{datasource=<default>,queue=orders}"));
        assertEquals(2.0, metrics.read("pgmessaging.queue.in.flight{datasource=<default>,queue=orders}"));
        assertEquals(4.0, metrics.read("pgmessaging.queue.dead.lettered{datasource=<default>,queue=orders}"));
        assertEquals(90.0, metrics.read("pgmessaging.queue.oldest.ready.age{datasource=<default>,queue=orders}"));
        assertEquals(7.0, metrics.read("pgmessaging.topic.end.offset{datasource=<default>,topic=prices,partition=0}"));
        assertEquals(5.0,
                metrics.read("pgmessaging.group.committed.offset{datasource=<default>,topic=prices,group=g,partition=0}"));
        assertEquals(2.0, metrics.read("pgmessaging.group.lag{datasource=<default>,topic=prices,group=g,partition=0}"));
        assertEquals(12.5, metrics.read(
                "pgmessaging.group.oldest.unconsumed.age{datasource=<default>,topic=prices,group=g,partition=0}"));
    }

    @Test
    void newQueuesGetGaugesAndGoneOnesReadNaN() throws Exception {
        gauges(Duration.ZERO);
        metrics.read("pgmessaging.gauges.refresh{datasource=<default>}");
        assertEquals(3.0, metrics.read("pgmessaging.queue.ready{datasource=<default>,queue=orders}"));
        assertNull(metrics.read("pgmessaging.queue.ready{datasource=<default>,queue=invoices}"), "not seen yet");
        next.set(snapshot(queue("invoices", 1)));
        assertTrue(Double.isNaN(metrics.read("pgmessaging.queue.ready{datasource=<default>,queue=orders}")), "gone");
        assertEquals(1.0, metrics.read("pgmessaging.queue.ready{datasource=<default>,queue=invoices}"), "registered");
        assertEquals(4, reads.get(), "interval zero: a snapshot per read");
    }

    @Test
    void aFailedRefreshKeepsTheLastValuesAndIsCounted() {
        gauges(Duration.ZERO);
        metrics.read("pgmessaging.gauges.refresh{datasource=<default>}");
        next.set(new SQLException("connection refused"));
        assertEquals(3.0, metrics.read("pgmessaging.queue.ready{datasource=<default>,queue=orders}"));
        assertEquals(1.0, metrics.read("pgmessaging.gauges.refresh.failures{datasource=<default>}"));
    }

    @Test
    void aQueueThatIsADeadLetterQueueHasNoDeadLetterGauge() {
        next.set(snapshot(new QueueInfo("orders.dlq", 1, 0, 0, null, 0, null)));
        gauges(Duration.ZERO);
        metrics.read("pgmessaging.gauges.refresh{datasource=<default>}");
        assertEquals(0.0, metrics.read("pgmessaging.queue.oldest.ready.age{datasource=<default>,queue=orders.dlq}"),
                "none ready: 0");
        assertNull(metrics.read("pgmessaging.queue.dead.lettered{datasource=<default>,queue=orders.dlq}"));
    }

    private static QueueInfo queue(String name, long ready) {
        return new QueueInfo(name, ready, 1, 2, name + ".dlq", 4, Duration.ofSeconds(90));
    }

    private static StorageSnapshot snapshot(QueueInfo queue) {
        return new StorageSnapshot(List.of(queue), List.of(new PartitionOffsets("prices", 0, 7, "g", 5L, 2, 12.5)));
    }
}
