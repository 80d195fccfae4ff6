package dev.pgmessaging.runtime.api;

/**
 * Where a consumer group stands on one partition of a topic ({@link PostgresMessaging#lag}).
 *
 * @param logStartOffset the earliest offset still kept (older records were dropped by retention)
 * @param logEndOffset the offset the partition's next record gets
 * @param committedOffset where the group goes on reading; {@code null} when it has not committed for
 *        the partition
 */
public record PartitionLag(int partition, long logStartOffset, long logEndOffset, Long committedOffset) {

    /** Records the group has yet to read (all kept ones if it never committed). */
    public long lag() {
        return logEndOffset - (committedOffset == null ? logStartOffset : Math.max(committedOffset, logStartOffset));
    }
}
