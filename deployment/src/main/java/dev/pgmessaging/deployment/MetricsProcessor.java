package dev.pgmessaging.deployment;

import java.util.Optional;

import dev.pgmessaging.runtime.metrics.MessagingMeters;
import dev.pgmessaging.runtime.metrics.MetricsRecorder;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.metrics.MetricsCapabilityBuildItem;
import io.quarkus.deployment.metrics.MetricsFactoryConsumerBuildItem;
import io.quarkus.runtime.metrics.MetricsFactory;

/**
 * The connector's meters: the bean that holds them always (without a metrics system it hands out
 * meters that count nothing), and the metrics system handed to it only when the application has
 * Micrometer ({@code quarkus-micrometer}).
 */
class MetricsProcessor {

    @BuildStep
    AdditionalBeanBuildItem meters() {
        return AdditionalBeanBuildItem.unremovableOf(MessagingMeters.class);
    }

    @BuildStep
    @Record(ExecutionTime.RUNTIME_INIT)
    void useMetrics(Optional<MetricsCapabilityBuildItem> metrics, MetricsRecorder recorder,
            BuildProducer<MetricsFactoryConsumerBuildItem> consumers) {
        if (metrics.isPresent() && metrics.get().metricsSupported(MetricsFactory.MICROMETER)) {
            consumers.produce(new MetricsFactoryConsumerBuildItem(recorder.useMetrics()));
        }
    }
}
