package dev.pgmessaging.runtime.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.metrics.MetricsFactory;

/**
 * The connector's meters ({@link Meter}), in the application's metrics system when it has one
 * ({@code quarkus-micrometer}: the build registers {@link MetricsRecorder}'s consumer, which hands
 * this bean the factory). Quarkus may hand it over after the channels opened (Micrometer configures
 * its registries after the startup event): what the channels asked for meanwhile is registered then,
 * and they count from that moment. Without a metrics system, channels keep
 * {@link ChannelMeters#NONE} and no gauge exists: nothing is counted and nothing runs.
 */
@ApplicationScoped
public class MessagingMeters {

    private MetricsFactory factory;
    /** What was asked for before the factory came (guarded by this). */
    private final List<Runnable> waiting = new ArrayList<>();
    private final Map<String, ChannelMeters> channels = new ConcurrentHashMap<>();
    private final Map<String, StorageGauges> gauges = new ConcurrentHashMap<>();

    /** The application's metrics system (called once at startup, only when there is one). */
    public void use(MetricsFactory factory) {
        List<Runnable> registrations;
        synchronized (this) {
            this.factory = factory;
            registrations = List.copyOf(waiting);
            waiting.clear();
        }
        registrations.forEach(Runnable::run);
    }

    /**
     * Gives a channel its meters, now or once the metrics system is there; its {@code concurrency}
     * copies (named {@code <channel>$n}) share them.
     *
     * @param enabled whether the application wants the connector's meters
     * @param meterWith the channel's setter
     */
    public void attach(String channel, String dataSource, boolean incoming, boolean queue, boolean enabled,
            Consumer<ChannelMeters> meterWith) {
        if (enabled) {
            whenThere(metrics -> meterWith.accept(channel(metrics, channel, dataSource, incoming, queue)));
        }
    }

    /**
     * Registers the gauges of a datasource's queues and topics, now or once the metrics system is
     * there, once per datasource.
     *
     * @param interval how old their values may get before a read refreshes them
     */
    public void watch(String dataSource, Duration interval, StorageGauges.Source source, boolean enabled) {
        if (enabled) {
            whenThere(metrics -> gauges.computeIfAbsent(dataSource,
                    name -> new StorageGauges(metrics, name, interval, source)));
        }
    }

    ChannelMeters channel(MetricsFactory metrics, String channel, String dataSource, boolean incoming, boolean queue) {
        int copy = channel.indexOf('$');
        String name = copy < 0 ? channel : channel.substring(0, copy);
        return channels.computeIfAbsent((incoming ? "incoming " : "outgoing ") + name + " " + dataSource,
                key -> new CountingChannelMeters(metrics, name, dataSource, incoming, queue));
    }

    private void whenThere(Consumer<MetricsFactory> registration) {
        MetricsFactory metrics;
        synchronized (this) {
            metrics = factory;
            if (metrics == null) {
                waiting.add(() -> registration.accept(factory));
                return;
            }
        }
        registration.accept(metrics);
    }
}
