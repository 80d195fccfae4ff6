package dev.pgmessaging.runtime.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;

import io.quarkus.runtime.metrics.MetricsFactory;

/** A metrics system that keeps what is registered in it: each meter's name with its tags, and how to read it. */
final class RecordingMetricsFactory implements MetricsFactory {

    /** Meters by name and tags ({@code name{tag=value,...}}), in the order registered. */
    final Map<String, Supplier<Number>> meters = new LinkedHashMap<>();
    /** What the timers recorded, in nanoseconds, by name and tags. */
    final Map<String, List<Long>> timings = new LinkedHashMap<>();

    @Override
    public boolean metricsSystemSupported(String name) {
        return true;
    }

    @Override
    public MetricBuilder builder(String name, Type type) {
        return new MetricBuilder() {
            private final List<String> tags = new ArrayList<>();

            @Override
            public MetricBuilder description(String description) {
                return this;
            }

            @Override
            public MetricBuilder tag(String key, String value) {
                tags.add(key + "=" + value);
                return this;
            }

            @Override
            public MetricBuilder unit(String unit) {
                return this;
            }

            private String id() {
                return name + "{" + String.join(",", tags) + "}";
            }

            private void add(Supplier<Number> value) {
                if (meters.putIfAbsent(id(), value) != null) {
                    throw new AssertionError("registered twice: " + id());
                }
            }

            @Override
            public void buildCounter(Supplier<Number> f) {
                add(f);
            }

            @Override
            public <T, R extends Number> void buildCounter(T obj, Function<T, R> f) {
                add(() -> f.apply(obj));
            }

            @Override
            public void buildGauge(Supplier<Number> f) {
                add(f);
            }

            @Override
            public <T, R extends Number> void buildGauge(T obj, Function<T, R> f) {
                add(() -> f.apply(obj));
            }

            @Override
            public TimeRecorder buildTimer() {
                List<Long> recorded = new ArrayList<>();
                timings.put(id(), recorded);
                add(recorded::size);
                return (duration, unit) -> recorded.add(unit.toNanos(duration));
            }

            @Override
            public Runnable buildTimer(Runnable f) {
                throw new UnsupportedOperationException();
            }

            @Override
            public <T> Callable<T> buildTimer(Callable<T> f) {
                throw new UnsupportedOperationException();
            }

            @Override
            public <T> Supplier<T> buildTimer(Supplier<T> f) {
                throw new UnsupportedOperationException();
            }
        };
    }

    /** The value of a meter now, or {@code null} when there is none of that id. */
    Double read(String id) {
        Supplier<Number> meter = meters.get(id);
        return meter == null ? null : meter.get().doubleValue();
    }
}
