package dev.pgmessaging.runtime.log;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;

/**
 * The records that the topic channels of one datasource send inside a JTA transaction (the
 * transactional outbox), held until the transaction ends and appended together as its last work,
 * just before it commits.
 * <p>
 * Why: an append locks the partitions it writes to until its transaction ends, so that offsets
 * become visible in order (see log_batch and append_records in the schema baseline,
 * V1__baseline.sql). Appended at each send, a transaction held a partition's lock through the rest
 * of the application's work, and two transactions sending to the same partitions in different
 * orders deadlocked (measured: eight threads sending one to five keyed records each to a
 * 4-partition topic, 0 to 30 ms of work per transaction: 58% of the transactions failed with
 * "deadlock detected", 3 to 4 records committed a second). Held back, every transaction takes its
 * partition locks at one place, in one order: topic by topic (ascending id), each topic's
 * partitions in ascending order (append_records). Two transactions can then never wait for each
 * other's partition locks in a cycle, and once a transaction holds one it takes no other lock of
 * the connector's or the application's before it commits: the appends run in an interposed
 * synchronization, which JTA runs after the ordinary ones (Hibernate flushes in one), registered at
 * the first send, after the one that acks a handler's message (registered when its transaction
 * began). A partition's lock is held from the append to the commit.
 * <p>
 * A record's sends are acked when it is held here; a failed append fails the commit, which rolls
 * the whole transaction back.
 */
public final class TransactionAppends {

    /** The key of this datasource's pending records among the transaction's resources. */
    private final Object key = new Object();
    private final TransactionSynchronizationRegistry registry;
    private final DataSource dataSource;
    private final LogStore store;

    /** @param registry the application's registry, which orders the synchronizations it is given */
    public TransactionAppends(TransactionSynchronizationRegistry registry, DataSource dataSource, LogStore store) {
        this.registry = registry;
        this.dataSource = dataSource;
        this.store = store;
    }

    /**
     * Holds a record until the calling thread's transaction ends.
     *
     * @param notifyChannel where to wake the topic's consumers once appended, or {@code null}
     * @param wake the notification that wakes them
     */
    public void add(Topic topic, NewRecord record, String notifyChannel, String wake) {
        Pending pending = (Pending) registry.getResource(key);
        if (pending == null) {
            pending = new Pending();
            registry.putResource(key, pending);
            registry.registerInterposedSynchronization(new AppendAtEnd(pending));
        }
        pending.add(topic, record, notifyChannel, wake);
    }

    /** One transaction's records, by topic id. */
    private static final class Pending {
        private final Map<Integer, TopicRecords> byTopic = new TreeMap<>();

        synchronized void add(Topic topic, NewRecord record, String notifyChannel, String wake) {
            byTopic.computeIfAbsent(topic.id(), id -> new TopicRecords(topic, notifyChannel, wake, new ArrayList<>()))
                    .records().add(record);
        }
    }

    private record TopicRecords(Topic topic, String notifyChannel, String wake, List<NewRecord> records) {
    }

    /** Appends the transaction's records before it commits. */
    private final class AppendAtEnd implements Synchronization {
        private final Pending pending;

        AppendAtEnd(Pending pending) {
            this.pending = pending;
        }

        @Override
        public void beforeCompletion() {
            appendAll(pending);
        }

        @Override
        public void afterCompletion(int status) {
        }
    }

    private void appendAll(Pending pending) {
        // the connection is the one enlisted in the transaction: closing it hands it back to the transaction
        try (Connection connection = dataSource.getConnection()) {
            for (TopicRecords topic : pending.byTopic.values()) {
                store.append(connection, topic.topic(), topic.records(), topic.notifyChannel(), topic.wake());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not append the records sent in this transaction: " + e.getMessage(), e);
        }
    }
}
