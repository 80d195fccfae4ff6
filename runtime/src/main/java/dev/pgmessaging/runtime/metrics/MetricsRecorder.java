package dev.pgmessaging.runtime.metrics;

import java.util.function.Consumer;

import io.quarkus.arc.Arc;
import io.quarkus.runtime.annotations.Recorder;
import io.quarkus.runtime.metrics.MetricsFactory;

/** Hands the application's metrics system to the connector (recorded only when it has one). */
@Recorder
public class MetricsRecorder {

    public Consumer<MetricsFactory> useMetrics() {
        return factory -> Arc.container().instance(MessagingMeters.class).get().use(factory);
    }
}
