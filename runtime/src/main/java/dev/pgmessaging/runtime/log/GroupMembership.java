package dev.pgmessaging.runtime.log;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.log.LogStore.OwnedPartition;
import dev.pgmessaging.runtime.log.LogStore.Topic;

/**
 * One member's part in its consumer group on a topic: the heartbeat, which also shares the
 * partitions among the group's live members (see {@code group_heartbeat}); the partitions the
 * member owns and how far it got in each ({@link PartitionProgress}); the partitions that are no
 * longer its share, drained before they are given up (or after the session timeout); the commit of
 * acked offsets, fenced by the partitions' epochs; and the watch for partitions that stall
 * ({@link StallWatch}). Only the channel's thread heartbeats and commits; handlers' threads read
 * which partitions are owned.
 */
final class GroupMembership {

    private final LogConsumerSettings settings;
    private final Topic topic;
    private final LogStore store;
    private final DataSource dataSource;
    private final String memberId = UUID.randomUUID().toString();
    private final Map<Integer, PartitionProgress> owned = new ConcurrentHashMap<>();
    /** When each draining partition must be given up, drained or not (System.nanoTime). */
    private final Map<Integer, Long> drainDeadlines = new ConcurrentHashMap<>();
    private final StallWatch stalls;

    /** @param dataSource bounded for the channel's own statements */
    GroupMembership(LogConsumerSettings settings, Topic topic, LogStore store, DataSource dataSource) {
        this.settings = settings;
        this.topic = topic;
        this.store = store;
        this.dataSource = dataSource;
        this.stalls = new StallWatch(Math.max(TimeUnit.SECONDS.toNanos(30), settings.sessionTimeout().toNanos() * 3));
    }

    String memberId() {
        return memberId;
    }

    /** The partitions owned now. */
    Set<Integer> partitionNumbers() {
        return Set.copyOf(owned.keySet());
    }

    Collection<PartitionProgress> partitions() {
        return owned.values();
    }

    /** The progress of an owned partition, or {@code null}. */
    PartitionProgress partition(int partition) {
        return owned.get(partition);
    }

    /** Whether this progress is still the one of an owned partition (not lost, nor owned again under a new epoch). */
    boolean owns(PartitionProgress partition) {
        return owned.get(partition.partition) == partition;
    }

    boolean anyInFlight() {
        return owned.values().stream().anyMatch(p -> p.inFlight() > 0);
    }

    /**
     * Commits what was acked, then heartbeats: gives up the partitions that are no longer this
     * member's share once drained (every record delivered settled and committed), and starts on the
     * newly owned ones.
     *
     * @param leaving the member leaves the group (its channel stops)
     * @param readable whether the channel could read more now (for the stall watch)
     */
    void heartbeat(boolean leaving, boolean readable) throws SQLException {
        long now = System.nanoTime();
        // drained (or past the deadline), and committed just below: given up in this heartbeat
        List<Integer> released = new ArrayList<>();
        for (PartitionProgress partition : owned.values()) {
            if (partition.draining && (partition.inFlight() == 0
                    || now - drainDeadlines.getOrDefault(partition.partition, now) >= 0)) {
                released.add(partition.partition);
            }
        }
        commit();
        List<OwnedPartition> nowOwned = store.heartbeat(dataSource, settings.groupId(), topic, memberId,
                settings.sessionTimeout(), settings.resetToEarliest(), leaving,
                released.stream().mapToInt(Integer::intValue).toArray());
        Set<Integer> seen = new HashSet<>();
        for (OwnedPartition partition : nowOwned) {
            seen.add(partition.partition());
            PartitionProgress current = owned.get(partition.partition());
            if (current == null || current.epoch != partition.epoch()) {
                long start = partition.committedOffset();
                if (start < partition.logStartOffset()) {
                    offsetDropped(partition.partition(), start, partition.logStartOffset());
                    start = partition.logStartOffset();
                }
                current = new PartitionProgress(partition.partition(), partition.epoch(), start);
                owned.put(partition.partition(), current);
                LOG.debugf("Channel %s (member %s of group %s) reads %s-%d from offset %d", settings.channel(), memberId,
                        settings.groupId(), topic.name(), partition.partition(), start);
            }
            if (partition.assigned() && current.draining) {
                // its share again before it was drained and given up: read it again
                current.draining = false;
                drainDeadlines.remove(partition.partition());
                LOG.debugf("Channel %s reads %s-%d again: it is this member's share again", settings.channel(),
                        topic.name(), partition.partition());
            } else if (!partition.assigned() && !current.draining) {
                current.draining = true;
                drainDeadlines.put(partition.partition(), now + settings.sessionTimeout().toNanos());
            }
            watchForStall(current, partition, readable, now);
        }
        owned.keySet().removeIf(partition -> !seen.contains(partition));
        drainDeadlines.keySet().removeIf(partition -> !seen.contains(partition));
        stalls.retain(seen);
    }

    /** Retention dropped records the group had not consumed: it goes on at the earliest kept. */
    void offsetDropped(int partition, long offset, long logStartOffset) {
        LOG.offsetDropped(settings.groupId(), offset, topic.name(), partition, logStartOffset);
    }

    /** Reports a partition that makes no progress while records wait; reads it again if the channel held it up. */
    private void watchForStall(PartitionProgress partition, OwnedPartition stored, boolean readable, long now) {
        long waiting = stored.logEndOffset() - partition.committed;
        long seconds = TimeUnit.NANOSECONDS.toSeconds(stalls.threshold());
        switch (stalls.check(partition.partition, partition.position, partition.committed, stored.logEndOffset(),
                partition.inFlight(), readable, now)) {
            case READ_AGAIN -> {
                LOG.partitionStalled(settings.channel(), topic.name(), partition.partition, seconds, waiting,
                        partition.committed);
                PartitionProgress again = new PartitionProgress(partition.partition, partition.epoch, partition.committed);
                again.draining = !stored.assigned();
                owned.put(partition.partition, again);
            }
            case HANDLER_HOLDS -> LOG.handlerHoldsPartition(settings.channel(), topic.name(), partition.partition,
                    seconds, partition.inFlight(), partition.committed, waiting);
            default -> {
            }
        }
    }

    /**
     * Commits, for each partition owned, the offset before which every record was acked, in one
     * statement fenced by the partitions' epochs. A partition the group gave to another member
     * meanwhile is dropped: its records are that member's now.
     */
    void commit() throws SQLException {
        List<PartitionProgress> due = new ArrayList<>();
        List<Long> nextOffsets = new ArrayList<>();
        for (PartitionProgress partition : owned.values()) {
            long next = partition.committable();
            if (next != partition.committed) {
                due.add(partition);
                nextOffsets.add(next);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        int[] partitions = due.stream().mapToInt(p -> p.partition).toArray();
        long[] offsets = nextOffsets.stream().mapToLong(Long::longValue).toArray();
        long[] epochs = due.stream().mapToLong(p -> p.epoch).toArray();
        List<Integer> committed;
        try (Connection connection = dataSource.getConnection()) {
            committed = store.commit(connection, settings.groupId(), topic, memberId, partitions, offsets, epochs);
        }
        for (int i = 0; i < due.size(); i++) {
            PartitionProgress partition = due.get(i);
            if (committed.contains(partition.partition)) {
                partition.committedUpTo(offsets[i]);
            } else if (owned.remove(partition.partition, partition)) {
                LOG.partitionLost(settings.channel(), topic.name(), partition.partition, offsets[i], settings.groupId());
            }
        }
    }
}
