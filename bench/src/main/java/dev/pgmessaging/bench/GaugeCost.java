package dev.pgmessaging.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@code gauges} scenario: what a refresh of the connector's gauges costs with many queues and
 * topics. Fills the run's schema with {@code queues} queues holding {@code messagesPerQueue}
 * messages each (a third of them delayed, a third leased), one more holding {@code backlog}, and {@code topics} topics of 4
 * partitions with {@code recordsPerPartition} records each and one group half-way through; then
 * reads the refresh gauge {@code refreshes} times with a refresh interval of zero (each read takes a
 * snapshot) and reports the median time a refresh took in the application and, from
 * pg_stat_statements, the database's execution time of a refresh's two statements (the mean).
 */
final class GaugeCost {

    private final DataSource dataSource;
    private final MeterRegistry registry;
    private final String schema;

    GaugeCost(DataSource dataSource, MeterRegistry registry, String schema) {
        this.dataSource = dataSource;
        this.registry = registry;
        this.schema = '"' + schema + '"';
    }

    Map<String, Object> run(int queues, int messagesPerQueue, int backlog, int topics, int recordsPerPartition,
            int refreshes) throws SQLException {
        fill(queues, messagesPerQueue, backlog, topics, recordsPerPartition);
        Gauge refresh = registry.find("pgmessaging.gauges.refresh").gauge();
        if (refresh == null) {
            throw new IllegalStateException("the connector's gauges are off (quarkus.messaging.postgres.metrics.enabled): "
                    + registry.getMeters().stream().map(meter -> meter.getId().getName()).toList());
        }
        refresh.value(); // the first snapshot registers the other gauges
        double queuesBefore = statementMillis(QUEUE_STATEMENT);
        double topicsBefore = statementMillis(TOPIC_STATEMENT);
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < refreshes; i++) {
            seconds.add(refresh.value());
        }
        double queueMillis = (statementMillis(QUEUE_STATEMENT) - queuesBefore) / refreshes;
        double topicMillis = (statementMillis(TOPIC_STATEMENT) - topicsBefore) / refreshes;
        seconds.sort(Double::compare);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("queues", queues);
        result.put("queue_messages", queues * messagesPerQueue);
        result.put("backlog", backlog);
        result.put("topics", topics);
        result.put("gauges", registry.find("pgmessaging.queue.ready").gauges().size() * 5
                + registry.find("pgmessaging.group.lag").gauges().size() * 3
                + registry.find("pgmessaging.topic.end.offset").gauges().size());
        result.put("refresh_ms", String.format("%.2f", seconds.get(seconds.size() / 2) * 1000));
        result.put("db_ms", String.format("%.2f", queueMillis + topicMillis));
        result.put("db_queues_ms", String.format("%.2f", queueMillis));
        result.put("db_topics_ms", String.format("%.2f", topicMillis));
        return result;
    }

    private void fill(int queues, int messagesPerQueue, int backlog, int topics, int recordsPerPartition)
            throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO " + schema + ".queue (name) SELECT 'gauge-' || q FROM generate_series(1, "
                    + queues + ") AS q");
            statement.execute("INSERT INTO " + schema + ".queue_message (queue, payload, visible_at, lease_token)"
                    + " SELECT 'gauge-' || q, '\\x00'::bytea,"
                    + " CASE WHEN m % 3 = 0 THEN now() ELSE now() + interval '1 hour' END,"
                    + " CASE WHEN m % 3 = 1 THEN 1 END"
                    + " FROM generate_series(1, " + queues + ") AS q, generate_series(1, " + messagesPerQueue + ") AS m");
            // one more queue, alone in holding a backlog (the shape of most deep tables)
            statement.execute("INSERT INTO " + schema + ".queue (name) VALUES ('gauge-backlog')");
            statement.execute("INSERT INTO " + schema + ".queue_message (queue, payload)"
                    + " SELECT 'gauge-backlog', '\\x00'::bytea FROM generate_series(1, " + backlog + ")");
            for (int t = 1; t <= topics; t++) {
                int topicId;
                try (ResultSet rs = statement.executeQuery(
                        "SELECT topic_id FROM " + schema + ".create_topic('gauge-" + t + "', 4, NULL)")) {
                    rs.next();
                    topicId = rs.getInt(1);
                }
                try (PreparedStatement append = connection.prepareStatement("SELECT * FROM " + schema
                        + ".append_records(?, ?::int[], ?::bytea[], ?::text[], ?::text[], ?::bytea[], ?::timestamptz[], NULL, NULL)")) {
                    int n = 4 * recordsPerPartition;
                    Integer[] partitions = new Integer[n];
                    byte[][] payloads = new byte[n][];
                    for (int i = 0; i < n; i++) {
                        partitions[i] = i % 4;
                        payloads[i] = new byte[] { 0 };
                    }
                    append.setInt(1, topicId);
                    append.setArray(2, connection.createArrayOf("int4", partitions));
                    append.setArray(3, connection.createArrayOf("bytea", new byte[n][]));
                    append.setArray(4, connection.createArrayOf("text", new String[n]));
                    append.setArray(5, connection.createArrayOf("text", new String[n]));
                    append.setArray(6, connection.createArrayOf("bytea", payloads));
                    append.setArray(7, connection.createArrayOf("timestamptz", new Object[n]));
                    append.executeQuery().close();
                }
                statement.execute("INSERT INTO " + schema + ".consumer_group_partition (group_id, topic_id, partition,"
                        + " committed_offset) SELECT 'readers', " + topicId + ", p, " + recordsPerPartition / 2
                        + " FROM generate_series(0, 3) AS p");
            }
            statement.execute("ANALYZE");
        }
    }

    /** How pg_stat_statements shows the two statements of a refresh (their texts, as LIKE patterns). */
    private static final String QUEUE_STATEMENT = "%queue_depths(%";
    private static final String TOPIC_STATEMENT = "%partition_offsets()%";

    /** The database's execution time so far of a statement (all calls, milliseconds). */
    private double statementMillis(String pattern) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements WHERE query LIKE ?")) {
            statement.setString(1, pattern);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        }
    }
}
