package dev.pgmessaging.runtime.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.quarkus.runtime.metrics.MetricsFactory;
import io.quarkus.runtime.metrics.MetricsFactory.TimeRecorder;

/**
 * The counters and timers of one channel (all the copies of a channel with a {@code concurrency}
 * count together). The counters are read by the metrics system when it exports them; counting is
 * one add.
 */
final class CountingChannelMeters implements ChannelMeters {

    private final LongAdder sent = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final LongAdder nacked = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder deduplicated = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final TimeRecorder waited;
    private final TimeRecorder handled;

    /**
     * Registers the meters of an incoming or an outgoing channel; retries, dead letters, expiry and
     * deduplication are counted for queue channels only (a topic has none of them).
     */
    CountingChannelMeters(MetricsFactory factory, String channel, String dataSource, boolean incoming, boolean queue) {
        TaggedMeters names = new TaggedMeters(factory, "channel", channel, "datasource", dataSource);
        if (!incoming) {
            names.counter(Meter.SENT, sent);
            if (queue) {
                names.counter(Meter.DEDUPLICATED, deduplicated);
            }
            waited = null;
            handled = null;
            return;
        }
        names.counter(Meter.DELIVERED, delivered);
        names.counter(Meter.ACKED, acked);
        names.counter(Meter.NACKED, nacked);
        if (queue) {
            names.counter(Meter.RETRIED, retried);
            names.counter(Meter.DEAD_LETTERED, deadLettered);
            names.counter(Meter.EXPIRED, expired);
        }
        waited = names.timer(Meter.WAIT);
        handled = names.timer(Meter.HANDLING);
    }

    @Override
    public boolean counting() {
        return true;
    }

    @Override
    public void sent(int messages) {
        sent.add(messages);
    }

    @Override
    public void deduplicated(int messages) {
        deduplicated.add(messages);
    }

    @Override
    public void expired(int messages) {
        expired.add(messages);
    }

    @Override
    public void delivered(Instant sentAt) {
        delivered.increment();
        if (sentAt != null) {
            // the database's clock against this one: a skew of the two never makes a negative wait
            waited.update(Math.max(0, Duration.between(sentAt, Instant.now()).toNanos()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void acked(int messages, long handlerNanos) {
        acked.add(messages);
        handled.update(handlerNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void nacked(int messages, long handlerNanos) {
        nacked.add(messages);
        handled.update(handlerNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void retried(int messages) {
        retried.add(messages);
    }

    @Override
    public void deadLettered(int messages) {
        deadLettered.add(messages);
    }
}
