package dev.pgmessaging.runtime.api;

import java.util.List;

/**
 * A consumer group on a topic ({@link PostgresMessaging#group}).
 *
 * @param liveMembers the members whose last heartbeat is within their session timeout
 * @param partitions where it stands on each partition
 */
public record ConsumerGroupInfo(String group, String topic, int liveMembers, List<PartitionLag> partitions) {

    /** Records the group has yet to read, on all partitions. */
    public long lag() {
        return partitions.stream().mapToLong(PartitionLag::lag).sum();
    }
}
