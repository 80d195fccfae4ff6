package dev.pgmessaging.runtime.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.metrics.MetricsFactory;

/**
 * The connector's meters ({@link Meter}), in the application's metrics system when it has one
 * ({@code quarkus-micrometer}: the build registers {@link MetricsRecorder}'s consumer, which hands
 * this bean the factory before the channels open). Without one, every channel gets
 * {@link ChannelMeters#NONE} and no gauge exists: nothing is counted and nothing runs.
 */
@ApplicationScoped
public class MessagingMeters {

    private volatile MetricsFactory factory;
    private final Map<String, ChannelMeters> channels = new ConcurrentHashMap<>();
    private final Map<String, StorageGauges> gauges = new ConcurrentHashMap<>();

    /** The application's metrics system (called once at startup, only when there is one). */
    public void use(MetricsFactory factory) {
        this.factory = factory;
    }

    /**
     * The meters of a channel: shared by its {@code concurrency} copies (named {@code <channel>$n}).
     *
     * @param enabled whether the application wants the connector's meters
     */
    public ChannelMeters channel(String channel, String dataSource, boolean incoming, boolean queue, boolean enabled) {
        MetricsFactory metrics = factory;
        if (metrics == null || !enabled) {
            return ChannelMeters.NONE;
        }
        int copy = channel.indexOf('$');
        String name = copy < 0 ? channel : channel.substring(0, copy);
        return channels.computeIfAbsent((incoming ? "incoming " : "outgoing ") + name + " " + dataSource,
                key -> new CountingChannelMeters(metrics, name, dataSource, incoming, queue));
    }

    /**
     * Registers the gauges of a datasource's queues and topics once (later calls do nothing).
     *
     * @param interval how old their values may get before a read refreshes them
     */
    public void watch(String dataSource, Duration interval, StorageGauges.Source source, boolean enabled) {
        MetricsFactory metrics = factory;
        if (metrics != null && enabled) {
            gauges.computeIfAbsent(dataSource, name -> new StorageGauges(metrics, name, interval, source));
        }
    }
}
