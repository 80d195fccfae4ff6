package dev.pgmessaging.runtime.metrics;

/**
 * A partition of a topic, and where one consumer group stands on it.
 *
 * @param endOffset the partition's log end offset
 * @param group the group, or {@code null} when no group has offsets on the partition
 * @param committedOffset the group's committed offset, or {@code null} before its first commit
 * @param lag records the group has yet to read
 * @param oldestUnconsumedAge seconds since the oldest record the group has not read was appended, or
 *        {@code null} when it has read everything
 */
public record PartitionOffsets(String topic, int partition, long endOffset, String group, Long committedOffset, long lag,
        Double oldestUnconsumedAge) {
}
