package dev.pgmessaging.runtime.metrics;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import io.quarkus.runtime.metrics.MetricsFactory;
import io.quarkus.runtime.metrics.MetricsFactory.MetricBuilder;
import io.quarkus.runtime.metrics.MetricsFactory.TimeRecorder;

/** Registers meters ({@link Meter}) that share tags, in the application's metrics system. */
final class TaggedMeters {

    private final MetricsFactory factory;
    private final String[] tags;

    /** @param tags names and values, in turn */
    TaggedMeters(MetricsFactory factory, String... tags) {
        this.factory = factory;
        this.tags = tags;
    }

    void counter(Meter meter, LongAdder count) {
        builder(meter).buildCounter(count, LongAdder::sum);
    }

    TimeRecorder timer(Meter meter) {
        return builder(meter).buildTimer();
    }

    /** @param moreTags names and values added to the shared ones */
    void gauge(Meter meter, Supplier<Number> value, String... moreTags) {
        MetricBuilder builder = builder(meter);
        for (int i = 0; i < moreTags.length; i += 2) {
            builder.tag(moreTags[i], moreTags[i + 1]);
        }
        builder.buildGauge(value);
    }

    private MetricBuilder builder(Meter meter) {
        MetricBuilder builder = factory.builder(meter.meterName).description(meter.description);
        if (meter.unit != null) {
            builder.unit(meter.unit);
        }
        for (int i = 0; i < tags.length; i += 2) {
            builder.tag(tags[i], tags[i + 1]);
        }
        return builder;
    }
}
