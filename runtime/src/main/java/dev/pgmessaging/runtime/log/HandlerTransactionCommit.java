package dev.pgmessaging.runtime.log;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.log.CommitRefused.Why;
import dev.pgmessaging.runtime.log.LogStore.GroupPartition;
import dev.pgmessaging.runtime.log.LogStore.Topic;

/**
 * Exactly-once effects on a topic: the offsets of the records a handler processed are committed in
 * the handler's own transaction, so that its writes and the group's progress commit together. A
 * record's transaction may only commit when that moves the group's offset past the record:
 * <ul>
 * <li>its delivery must be current: not overtaken by a rewind, its partition still this member's,
 * its channel not stopped (a stopped channel's records read ahead must not commit effects the next
 * owner applies again);
 * <li>every record before it must be settled: one still being handled (the handler runs out of
 * order) is waited for, at most {@code sessionTimeout}; otherwise the offset would stay behind the effect;
 * <li>in the database, the partition must still be owned under the same epoch, and the group's
 * offset must not be past the record's: else an earlier delivery of it committed it already.
 * </ul>
 * A refused commit rolls the handler's transaction back ({@link CommitRefused} says why).
 */
final class HandlerTransactionCommit {

    private final LogStore store;
    private final DataSource dataSource;
    private final String group;
    private final Topic topic;
    private final String member;
    private final Duration sessionTimeout;

    HandlerTransactionCommit(LogStore store, DataSource dataSource, String group, Topic topic, String member,
            Duration sessionTimeout) {
        this.store = store;
        this.dataSource = dataSource;
        this.group = group;
        this.topic = topic;
        this.member = member;
        this.sessionTimeout = sessionTimeout;
    }

    /**
     * Commits the offsets after the deliveries, in the calling thread's transaction.
     *
     * @param current whether a delivery is still this channel's to handle
     * @throws CommitRefused when the transaction must not commit
     */
    void commit(List<Delivery> deliveries, Predicate<Delivery> current) throws SQLException {
        Map<PartitionProgress, Set<Long>> byPartition = new LinkedHashMap<>();
        for (Delivery delivery : deliveries) {
            if (!current.test(delivery)) {
                throw stale(delivery);
            }
            byPartition.computeIfAbsent(delivery.partition(), p -> new HashSet<>()).add(delivery.offset());
        }
        int n = byPartition.size();
        int[] partitions = new int[n];
        long[] firstOffsets = new long[n];
        long[] nextOffsets = new long[n];
        long[] epochs = new long[n];
        long deadline = System.nanoTime() + sessionTimeout.toNanos();
        int i = 0;
        for (Map.Entry<PartitionProgress, Set<Long>> entry : byPartition.entrySet()) {
            PartitionProgress partition = entry.getKey();
            Set<Long> offsets = entry.getValue();
            long first = Collections.min(offsets);
            if (partition.committableWith(offsets) <= Collections.max(offsets)) {
                awaitEarlierRecords(partition, first, deadline);
                for (Delivery delivery : deliveries) {
                    if (!current.test(delivery)) {
                        throw stale(delivery);
                    }
                }
            }
            partitions[i] = partition.partition;
            firstOffsets[i] = first;
            nextOffsets[i] = partition.committableWith(offsets);
            epochs[i++] = partition.epoch;
        }
        // inside the handler's transaction, the datasource gives the connection enlisted in it
        try (Connection connection = dataSource.getConnection()) {
            // the transaction holds the partitions' rows, and so every heartbeat of the group, until it
            // commits: the server ends it if it stays idle longer than a member's session (its client gone)
            List<Integer> committed = store.commitInTransaction(connection, group, topic, member, partitions,
                    firstOffsets, nextOffsets, epochs, sessionTimeout);
            for (int k = 0; k < n; k++) {
                if (!committed.contains(partitions[k])) {
                    throw refusal(connection, partitions[k], epochs[k], firstOffsets[k]);
                }
            }
        }
    }

    private void awaitEarlierRecords(PartitionProgress partition, long first, long deadline) {
        try {
            if (partition.awaitSettledBelow(first, deadline)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new CommitRefused(Why.OUT_OF_ORDER, "Records of " + topic.name() + "-" + partition.partition
                + " before offset " + first + " were still being handled after " + sessionTimeout
                + ": a record's offset is committed after theirs");
    }

    private CommitRefused stale(Delivery delivery) {
        return new CommitRefused(Why.STALE, "Record " + topic.name() + "-" + delivery.partition().partition + "@"
                + delivery.offset() + " is no longer this channel's to commit (its partition is read again from an"
                + " earlier offset, went to another member, or the channel stopped)");
    }

    /** Why the database refused the commit of a partition. */
    private CommitRefused refusal(Connection connection, int partition, long epoch, long first) throws SQLException {
        GroupPartition stored = store.groupPartition(connection, group, topic, partition);
        String record = topic.name() + "-" + partition + "@" + first;
        if (stored != null && member.equals(stored.owner()) && stored.epoch() == epoch) {
            return new CommitRefused(Why.ALREADY_COMMITTED, "Record " + record + " was committed already (group "
                    + group + " is at offset " + stored.committedOffset() + "): its effects are not committed twice");
        }
        return new CommitRefused(Why.LOST, "Partition " + topic.name() + "-" + partition + " went to another member of"
                + " group " + group + " (or the group was moved by a seek) before the transaction of record " + record
                + " committed");
    }
}
