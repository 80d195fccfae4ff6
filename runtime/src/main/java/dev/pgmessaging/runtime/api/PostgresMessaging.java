package dev.pgmessaging.runtime.api;

import java.util.List;
import java.util.Map;

/**
 * Operations on what the {@code postgres} channels of this application use: inject it
 * ({@code @Inject PostgresMessaging messaging}). A datasource is named as in
 * {@code quarkus.datasource."<name>"}; the methods without one use the default datasource.
 * Only datasources that a {@code postgres} channel of the application uses can be named.
 */
public interface PostgresMessaging {

    /** The name that stands for the default datasource. */
    String DEFAULT_DATASOURCE = "<default>";

    /**
     * The offsets and lag of a consumer group on each partition of a topic, read from the database
     * (a few index probes per partition), for monitoring.
     */
    List<PartitionLag> lag(String dataSource, String group, String topic);

    /** {@link #lag(String, String, String)} on the default datasource. */
    default List<PartitionLag> lag(String group, String topic) {
        return lag(DEFAULT_DATASOURCE, group, topic);
    }

    /**
     * Moves a consumer group on a topic (all partitions, or one when {@code partition} is not
     * {@code null}): its members go on from there at their next heartbeat, including records they
     * had processed already (replay) or skipping records not read yet.
     *
     * @return the new committed offset of each partition, by partition
     * @throws IllegalArgumentException when there is no such topic or partition
     */
    Map<Integer, Long> seek(String dataSource, String group, String topic, Integer partition, SeekTo to);

    /** {@link #seek(String, String, String, Integer, SeekTo)} on the default datasource. */
    default Map<Integer, Long> seek(String group, String topic, Integer partition, SeekTo to) {
        return seek(DEFAULT_DATASOURCE, group, topic, partition, to);
    }

    /**
     * How many messages the outgoing channel dropped because they matched no binding of its
     * exchange ({@code unroutable=drop}), since the application started.
     */
    long unroutableCount(String channel);
}
