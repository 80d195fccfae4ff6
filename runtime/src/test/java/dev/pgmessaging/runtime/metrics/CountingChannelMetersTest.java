package dev.pgmessaging.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * The meters of channels: the copies of a channel with a {@code concurrency} share one set; queue
 * consumers count retries and dead letters, topic consumers have no such meters; a metrics system
 * that Quarkus hands over after the channels opened still gets their meters; with metrics disabled,
 * channels count nothing.
 */
class CountingChannelMetersTest {

    private final RecordingMetricsFactory metrics = new RecordingMetricsFactory();
    private final MessagingMeters meters = new MessagingMeters();

    @Test
    void copiesOfAChannelCountTogether() {
        meters.use(metrics);
        ChannelMeters first = attach("jobs", true, true);
        ChannelMeters copy = attach("jobs$2", true, true);
        assertSame(first, copy);
        first.delivered(Instant.now().minusSeconds(2));
        copy.delivered(null);
        first.acked(1, 5_000);
        copy.nacked(2, 7_000);
        copy.retried(1);
        first.deadLettered(1);
        copy.expired(4);
        assertEquals(2.0, metrics.read("pgmessaging.messages.delivered{channel=jobs,datasource=<default>}"));
        assertEquals(1.0, metrics.read("pgmessaging.messages.acked{channel=jobs,datasource=<default>}"));
        assertEquals(2.0, metrics.read("pgmessaging.messages.nacked{channel=jobs,datasource=<default>}"));
        assertEquals(1.0, metrics.read("pgmessaging.messages.retried{channel=jobs,datasource=<default>}"));
        assertEquals(1.0, metrics.read("pgmessaging.messages.dead.lettered{channel=jobs,datasource=<default>}"));
        assertEquals(4.0, metrics.read("pgmessaging.messages.expired{channel=jobs,datasource=<default>}"));
        List<Long> waits = metrics.timings.get("pgmessaging.message.wait{channel=jobs,datasource=<default>}");
        assertEquals(1, waits.size(), "a delivery without a send time has no wait");
        assertTrue(waits.get(0) >= 2_000_000_000L);
        assertEquals(List.of(5_000L, 7_000L),
                metrics.timings.get("pgmessaging.message.handling{channel=jobs,datasource=<default>}"));
    }

    @Test
    void producersCountSendsAndTopicChannelsHaveNoRetriesExpiryOrDeduplication() {
        meters.use(metrics);
        ChannelMeters jobs = attach("jobs-out", false, true);
        jobs.sent(3);
        jobs.deduplicated(1);
        attach("prices", true, false);
        attach("prices-out", false, false);
        assertEquals(3.0, metrics.read("pgmessaging.messages.sent{channel=jobs-out,datasource=<default>}"));
        assertEquals(1.0, metrics.read("pgmessaging.messages.deduplicated{channel=jobs-out,datasource=<default>}"));
        assertEquals(null, metrics.read("pgmessaging.messages.retried{channel=prices,datasource=<default>}"));
        assertEquals(null, metrics.read("pgmessaging.messages.expired{channel=prices,datasource=<default>}"));
        assertEquals(null, metrics.read("pgmessaging.messages.deduplicated{channel=prices-out,datasource=<default>}"));
        assertEquals(0.0, metrics.read("pgmessaging.messages.delivered{channel=prices,datasource=<default>}"));
    }

    @Test
    void aMetricsSystemThatComesAfterTheChannelsOpenedStillGetsTheirMeters() {
        AtomicReference<ChannelMeters> jobs = new AtomicReference<>(ChannelMeters.NONE);
        meters.attach("jobs", "<default>", true, true, true, jobs::set);
        meters.watch("<default>", Duration.ofSeconds(5), () -> null, true);
        assertSame(ChannelMeters.NONE, jobs.get(), "nothing counts before it comes");
        assertTrue(metrics.meters.isEmpty());
        meters.use(metrics);
        assertTrue(jobs.get().counting());
        assertEquals(0.0, metrics.read("pgmessaging.messages.delivered{channel=jobs,datasource=<default>}"));
        assertTrue(metrics.meters.containsKey("pgmessaging.gauges.refresh{datasource=<default>}"),
                "the datasource's gauges are registered too");
    }

    @Test
    void withMetricsOffNothingCounts() {
        meters.use(metrics);
        AtomicReference<ChannelMeters> jobs = new AtomicReference<>(ChannelMeters.NONE);
        meters.attach("jobs", "<default>", true, true, false, jobs::set);
        meters.watch("<default>", Duration.ofSeconds(5), () -> null, false);
        assertSame(ChannelMeters.NONE, jobs.get());
        assertTrue(metrics.meters.isEmpty());
        assertFalse(ChannelMeters.NONE.counting());
    }

    private ChannelMeters attach(String channel, boolean incoming, boolean queue) {
        AtomicReference<ChannelMeters> meters = new AtomicReference<>(ChannelMeters.NONE);
        this.meters.attach(channel, "<default>", incoming, queue, true, meters::set);
        return meters.get();
    }
}
