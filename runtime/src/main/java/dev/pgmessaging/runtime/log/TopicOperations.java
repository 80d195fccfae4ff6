package dev.pgmessaging.runtime.log;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.api.ConsumerGroupInfo;
import dev.pgmessaging.runtime.api.TopicInfo;
import dev.pgmessaging.runtime.metrics.PartitionOffsets;
import dev.pgmessaging.runtime.sql.SqlStatements;

/**
 * What an operator does to the topics and consumer groups of a schema (the admin API): list them,
 * delete a group that has no live member, change a topic's retention. A group's offsets are moved
 * by {@link LogStore#seek}.
 */
public final class TopicOperations {

    /** SQLSTATE object_in_use: what delete_group raises while the group has live members. */
    private static final String OBJECT_IN_USE = "55006";

    private final SqlStatements sql;
    private final LogStore logs;

    public TopicOperations(String schema, LogStore logs) {
        this.sql = SqlStatements.load("topic_operations.sql", schema);
        this.logs = logs;
    }

    public List<TopicInfo> topics(DataSource dataSource) throws SQLException {
        List<TopicInfo> topics = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("list-topics"));
                ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                double retention = rs.getDouble(3);
                Duration kept = rs.wasNull() ? null : Duration.ofMillis(Math.round(retention * 1000));
                Array groups = rs.getArray(4);
                topics.add(new TopicInfo(rs.getString(1), rs.getInt(2), kept,
                        List.copyOf(Arrays.asList((String[]) groups.getArray()))));
            }
        }
        return topics;
    }

    /** @return the group on the topic, or {@code null} when there is no such topic */
    public ConsumerGroupInfo group(DataSource dataSource, String group, String topic) throws SQLException {
        var partitions = logs.lag(dataSource, group, topic);
        if (partitions.isEmpty()) {
            return null;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("live-members"))) {
            statement.setString(1, group);
            statement.setString(2, topic);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return new ConsumerGroupInfo(group, topic, rs.getInt(1), partitions);
            }
        }
    }

    /**
     * @return how many partitions' offsets were deleted, or {@code -1} when there is no such topic
     * @throws IllegalStateException while the group has live members on the topic
     */
    public int deleteGroup(DataSource dataSource, String group, String topic) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("delete-group"))) {
            statement.setString(1, group);
            statement.setString(2, topic);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        } catch (SQLException e) {
            if (OBJECT_IN_USE.equals(e.getSQLState())) {
                throw new IllegalStateException("Cannot delete group " + group + " on topic " + topic
                        + ": it has live members; stop its consumers first (or wait for their session timeout)", e);
            }
            throw e;
        }
    }

    /** @return whether the topic exists */
    public boolean setRetention(DataSource dataSource, String topic, Duration retention) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("set-retention"))) {
            if (retention == null) {
                statement.setNull(1, Types.DOUBLE);
            } else {
                statement.setDouble(1, retention.toMillis() / 1000.0);
            }
            statement.setString(2, topic);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Every partition of every topic, once per group that has offsets on it (the gauges' statement). */
    public List<PartitionOffsets> partitionOffsets(DataSource dataSource) throws SQLException {
        List<PartitionOffsets> partitions = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("partition-offsets"));
                ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                partitions.add(new PartitionOffsets(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4),
                        rs.getObject(5, Long.class), rs.getLong(6), rs.getObject(7, Double.class)));
            }
        }
        return partitions;
    }
}
