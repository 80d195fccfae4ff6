package dev.pgmessaging.runtime.log;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.api.PartitionLag;
import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.sql.JdbcArrays;
import dev.pgmessaging.runtime.sql.SqlStatements;

/** The log operations of one schema (topics, records, consumer groups), each one statement with bound parameters. */
public final class LogStore {

    private final SqlStatements sql;

    public LogStore(String schema) {
        this.sql = SqlStatements.load("log_record.sql", schema);
    }

    /** A topic as stored: its partition count and retention may differ from what a channel asked for. */
    public record Topic(int id, String name, int partitions, Duration retention) {
    }

    /** A record to append; {@code timestamp} {@code null} for the time of the append. */
    public record NewRecord(int partition, byte[] key, String contentType, String headers, byte[] payload,
            Instant timestamp) {
    }

    public record StoredRecord(int partition, long offset, Instant timestamp, byte[] key, String contentType,
            String headers, byte[] payload) {
    }

    /**
     * A partition a group member owns.
     *
     * @param assigned whether it is still the member's share (false: give it up once drained)
     * @param epoch fences the member's commits to the time it owns the partition
     * @param committedOffset where the group goes on reading
     * @param logStartOffset the earliest offset still kept (older records were dropped by retention)
     * @param logEndOffset the offset the partition's next record gets
     */
    public record OwnedPartition(int partition, boolean assigned, long epoch, long committedOffset, long logStartOffset,
            long logEndOffset) {
    }

    /** A partition of a group as stored: who owns it, under which epoch, and its committed offset. */
    public record GroupPartition(String owner, long epoch, Long committedOffset) {
    }

    /** The topic as stored, or {@code null} if there is no such topic. */
    public Topic findTopic(DataSource dataSource, String name) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("find-topic"))) {
            statement.setString(1, name);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                double seconds = rs.getDouble(3);
                Duration stored = rs.wasNull() ? null : Duration.ofMillis(Math.round(seconds * 1000));
                return new Topic(rs.getInt(1), name, rs.getInt(2), stored);
            }
        }
    }

    /** Creates the topic unless it exists; returns it as stored. */
    public Topic createTopic(DataSource dataSource, String name, int partitions, Duration retention) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("create-topic"))) {
            statement.setString(1, name);
            statement.setInt(2, partitions);
            if (retention == null) {
                statement.setNull(3, java.sql.Types.DOUBLE);
            } else {
                statement.setDouble(3, retention.toMillis() / 1000.0);
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                double seconds = rs.getDouble(3);
                Duration stored = rs.wasNull() ? null : Duration.ofMillis(Math.round(seconds * 1000));
                return new Topic(rs.getInt(1), name, rs.getInt(2), stored);
            }
        }
    }

    /**
     * Appends the records on the given connection (and so in its transaction), then notifies the
     * consumers with {@code wake} on {@code notifyChannel} unless it is {@code null}.
     *
     * @return each record's offset, in the order of {@code records}
     */
    public long[] append(Connection connection, Topic topic, List<NewRecord> records, String notifyChannel, String wake)
            throws SQLException {
        return append(connection, topic, records, notifyChannel, wake, null);
    }

    /**
     * Like {@link #append(Connection, Topic, List, String, String)}, telling {@code transaction} the id
     * of the transaction that appended (unless it is {@code null}).
     */
    public long[] append(Connection connection, Topic topic, List<NewRecord> records, String notifyChannel, String wake,
            LongConsumer transaction) throws SQLException {
        int n = records.size();
        Integer[] partitions = new Integer[n];
        byte[][] keys = new byte[n][];
        String[] contentTypes = new String[n];
        String[] headers = new String[n];
        byte[][] payloads = new byte[n][];
        Timestamp[] timestamps = new Timestamp[n];
        for (int i = 0; i < n; i++) {
            NewRecord record = records.get(i);
            partitions[i] = record.partition();
            keys[i] = record.key();
            contentTypes[i] = record.contentType();
            headers[i] = record.headers();
            payloads[i] = record.payload();
            timestamps[i] = record.timestamp() == null ? null : Timestamp.from(record.timestamp());
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.get("append"))) {
            statement.setInt(1, topic.id());
            statement.setArray(2, connection.createArrayOf("int4", partitions));
            statement.setArray(3, connection.createArrayOf("bytea", keys));
            statement.setArray(4, connection.createArrayOf("text", contentTypes));
            statement.setArray(5, connection.createArrayOf("text", headers));
            statement.setArray(6, connection.createArrayOf("bytea", payloads));
            statement.setArray(7, connection.createArrayOf("timestamptz", timestamps));
            statement.setString(8, notifyChannel);
            statement.setString(9, wake);
            // the next offset of each partition of the batch, from its first one: a partition's
            // records got consecutive offsets in the order of the batch
            long[] next = new long[topic.partitions()];
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    next[rs.getInt(1)] = rs.getLong(2);
                    if (transaction != null) {
                        transaction.accept(rs.getLong(3));
                    }
                }
            }
            long[] offsets = new long[n];
            for (int i = 0; i < n; i++) {
                offsets[i] = next[partitions[i]]++;
            }
            return offsets;
        }
    }

    /** Reads up to {@code limit} records of each partition from its next offset on: partition after partition as given, each in offset order. */
    public List<StoredRecord> fetch(DataSource dataSource, Topic topic, int[] partitions, long[] nextOffsets, int limit)
            throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("fetch"))) {
            statement.setInt(1, topic.id());
            statement.setArray(2, JdbcArrays.ints(connection, partitions));
            statement.setArray(3, JdbcArrays.longs(connection, nextOffsets));
            statement.setInt(4, limit);
            List<StoredRecord> records = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    records.add(new StoredRecord(rs.getInt(1), rs.getLong(2), rs.getTimestamp(3).toInstant(),
                            rs.getBytes(4), rs.getString(5), rs.getString(6), rs.getBytes(7)));
                }
            }
            return records;
        }
    }

    /**
     * One heartbeat of a group member (see group_heartbeat in the schema baseline,
     * V1__baseline.sql).
     *
     * @param released the partitions the member gives up: no longer its share, and drained
     * @return the partitions the member owns afterwards (none when leaving)
     */
    public List<OwnedPartition> heartbeat(DataSource dataSource, String group, Topic topic, String member,
            Duration sessionTimeout, boolean resetToEarliest, boolean leaving, int[] released) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("heartbeat"))) {
            statement.setInt(1, topic.id());
            statement.setString(2, group);
            statement.setInt(3, topic.id());
            statement.setString(4, member);
            statement.setDouble(5, sessionTimeout.toMillis() / 1000.0);
            statement.setBoolean(6, resetToEarliest);
            statement.setBoolean(7, leaving);
            statement.setArray(8, JdbcArrays.ints(connection, released));
            List<OwnedPartition> owned = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    owned.add(new OwnedPartition(rs.getInt(1), rs.getBoolean(2), rs.getLong(3), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6)));
                }
            }
            return owned;
        }
    }

    /**
     * Commits next offsets for partitions the member owns, each fenced by its epoch, on the given
     * connection (and so in its transaction).
     *
     * @return the partitions committed; one missing was lost to another member
     */
    public List<Integer> commit(Connection connection, String group, Topic topic, String member, int[] partitions,
            long[] nextOffsets, long[] epochs) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.get("commit"))) {
            statement.setArray(1, JdbcArrays.ints(connection, partitions));
            statement.setArray(2, JdbcArrays.longs(connection, nextOffsets));
            statement.setArray(3, JdbcArrays.longs(connection, epochs));
            statement.setString(4, group);
            statement.setInt(5, topic.id());
            statement.setString(6, member);
            return committedPartitions(statement);
        }
    }

    /**
     * Commits, on the given connection (a handler's transaction), the next offsets of the records it
     * handled, fenced by the partitions' epochs and by their first offsets (see the statement).
     *
     * @return the partitions committed
     */
    public List<Integer> commitInTransaction(Connection connection, String group, Topic topic, String member,
            int[] partitions, long[] firstOffsets, long[] nextOffsets, long[] epochs, Duration idleLimit)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.get("commit-in-transaction"))) {
            statement.setArray(1, JdbcArrays.ints(connection, partitions));
            statement.setArray(2, JdbcArrays.longs(connection, firstOffsets));
            statement.setArray(3, JdbcArrays.longs(connection, nextOffsets));
            statement.setArray(4, JdbcArrays.longs(connection, epochs));
            statement.setString(5, Long.toString(idleLimit.toMillis()));
            statement.setString(6, group);
            statement.setInt(7, topic.id());
            statement.setString(8, member);
            return committedPartitions(statement);
        }
    }

    /** The partitions a commit statement returns, one a row. */
    private static List<Integer> committedPartitions(PreparedStatement statement) throws SQLException {
        List<Integer> partitions = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                partitions.add(rs.getInt(1));
            }
        }
        return partitions;
    }

    /** A partition of a group as stored, on the given connection; {@code null} if the group never had it. */
    public GroupPartition groupPartition(Connection connection, String group, Topic topic, int partition)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.get("group-partition"))) {
            statement.setString(1, group);
            statement.setInt(2, topic.id());
            statement.setInt(3, partition);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long committed = rs.getLong(3);
                return new GroupPartition(rs.getString(1), rs.getLong(2), rs.wasNull() ? null : committed);
            }
        }
    }

    /** Creates the coming daily segments of every topic and drops those past retention; returns how many were dropped. */
    public int maintainSegments(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("maintain-segments"));
                ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The offsets and lag of a group on each partition of a topic (an empty list if there is no such topic). */
    public List<PartitionLag> lag(DataSource dataSource, String group, String topic) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("lag"))) {
            statement.setString(1, group);
            statement.setString(2, topic);
            List<PartitionLag> lags = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    long committed = rs.getLong(4);
                    lags.add(new PartitionLag(rs.getInt(1), rs.getLong(2), rs.getLong(3), rs.wasNull() ? null : committed));
                }
            }
            return lags;
        }
    }

    /**
     * Moves a group's committed offsets on a topic, on one partition or all ({@code partition}
     * {@code null}); the members owning them start again from there at their next heartbeat.
     *
     * @return the new committed offset of each partition moved, by partition (empty if there is no such topic)
     */
    public java.util.Map<Integer, Long> seek(DataSource dataSource, String group, String topic, Integer partition,
            SeekTo to) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("seek"))) {
            statement.setString(1, group);
            if (partition == null) {
                statement.setNull(2, java.sql.Types.INTEGER);
            } else {
                statement.setInt(2, partition);
            }
            statement.setString(3, to.kind());
            statement.setLong(4, to.offset());
            statement.setTimestamp(5, to.time() == null ? null : Timestamp.from(to.time()));
            statement.setString(6, topic);
            java.util.Map<Integer, Long> moved = new java.util.TreeMap<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    moved.put(rs.getInt(1), rs.getLong(2));
                }
            }
            return moved;
        }
    }
}
