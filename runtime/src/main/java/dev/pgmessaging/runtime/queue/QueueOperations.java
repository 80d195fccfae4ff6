package dev.pgmessaging.runtime.queue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.api.MessageSelection;
import dev.pgmessaging.runtime.api.QueueInfo;
import dev.pgmessaging.runtime.api.QueuedMessage;
import dev.pgmessaging.runtime.notify.NotificationChannel;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.sql.SqlStatements;

/**
 * What an operator does to the queues of a schema (the admin API): count, peek, redrive, move and
 * delete messages. Each change is one statement, so one transaction, and leaves the messages in
 * flight alone (V2__operations.sql says why that makes it safe against running consumers); the
 * consumers of the queues that received messages are woken.
 */
public final class QueueOperations {

    /** The most messages a peek returns, and the most bytes of a payload it reads. */
    public static final int MAX_PEEK = 1000;
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private final SqlStatements sql;
    private final String notifyChannel;
    private final PayloadCodec codec;

    public QueueOperations(String schema, PayloadCodec codec) {
        this.sql = SqlStatements.load("queue_operations.sql", schema);
        this.notifyChannel = NotificationChannel.of(schema);
        this.codec = codec;
    }

    /**
     * Every queue, its messages counted exactly.
     *
     * @param deadLetterQueues the dead-letter queue of a queue, when this application says
     *        (otherwise {@code <queue>.dlq})
     */
    public List<QueueInfo> queues(DataSource dataSource, Function<String, String> deadLetterQueues) throws SQLException {
        return queues(dataSource, deadLetterQueues, null);
    }

    /**
     * Every queue; past {@code exactCountLimit} messages waiting, a backlog in a few queues is
     * estimated from a sample (queue_depths in V4__metrics.sql says how); {@code null}: exact.
     */
    public List<QueueInfo> queues(DataSource dataSource, Function<String, String> deadLetterQueues,
            Integer exactCountLimit) throws SQLException {
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, Double> oldest = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("list-queues"))) {
            if (exactCountLimit == null) {
                statement.setNull(1, Types.INTEGER);
            } else {
                statement.setInt(1, exactCountLimit);
            }
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    double age = rs.getDouble(5);
                    boolean noneReady = rs.wasNull();
                    counts.put(rs.getString(1), new long[] { rs.getLong(2), rs.getLong(3), rs.getLong(4) });
                    oldest.put(rs.getString(1), noneReady ? null : age);
                }
            }
        }
        Map<String, String> deadLetterQueueOf = new LinkedHashMap<>();
        for (String name : counts.keySet()) {
            String deadLetterQueue = deadLetterQueues.apply(name);
            deadLetterQueueOf.put(name, deadLetterQueue == null ? name + ".dlq" : deadLetterQueue);
        }
        List<QueueInfo> queues = new ArrayList<>(counts.size());
        counts.forEach((name, c) -> {
            // a dead-letter queue of a listed queue has none of its own to show
            String deadLetterQueue = deadLetterQueueOf.containsValue(name) ? null : deadLetterQueueOf.get(name);
            long[] dead = deadLetterQueue == null ? null : counts.get(deadLetterQueue);
            Double age = oldest.get(name);
            queues.add(new QueueInfo(name, c[0], c[1], c[2], deadLetterQueue,
                    dead == null ? 0 : dead[0] + dead[1] + dead[2],
                    age == null ? null : Duration.ofMillis(Math.round(age * 1000))));
        });
        return queues;
    }

    public List<QueuedMessage> peek(DataSource dataSource, String queue, long afterId, int limit, int payloadBytes)
            throws SQLException {
        if (limit < 1 || limit > MAX_PEEK) {
            throw new IllegalArgumentException("A peek returns 1 to " + MAX_PEEK + " messages, not " + limit);
        }
        List<QueuedMessage> messages = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("peek"))) {
            statement.setInt(1, Math.max(0, Math.min(payloadBytes, MAX_PAYLOAD_BYTES)));
            statement.setString(2, queue);
            statement.setLong(3, afterId);
            statement.setInt(4, limit);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    byte[] payload = rs.getBytes(11);
                    int size = rs.getInt(12);
                    if (rs.wasNull()) {
                        size = -1;
                    }
                    messages.add(new QueuedMessage(rs.getLong(1), queue, rs.getBoolean(7), rs.getShort(2),
                            rs.getInt(3), instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5)),
                            instant(rs.getTimestamp(6)), rs.getString(8), rs.getString(9),
                            codec.decodeHeaders(rs.getString(10)),
                            payload == null ? null : new String(payload, StandardCharsets.UTF_8),
                            size));
                }
            }
        }
        return messages;
    }

    /** @return how many messages went back to each queue */
    public Map<String, Integer> redrive(DataSource dataSource, String deadLetterQueue, MessageSelection selection)
            throws SQLException {
        return MovedRows.retry(() -> {
            Map<String, Integer> moved = new LinkedHashMap<>();
            try (Connection connection = dataSource.getConnection()) {
                try (PreparedStatement statement = connection.prepareStatement(sql.get("redrive"))) {
                    bind(connection, statement, 1, deadLetterQueue, selection);
                    try (ResultSet rs = statement.executeQuery()) {
                        while (rs.next()) {
                            moved.put(rs.getString(1), rs.getInt(2));
                        }
                    }
                }
                for (String queue : moved.keySet()) {
                    wake(connection, queue);
                }
            }
            return moved;
        });
    }

    public int move(DataSource dataSource, String from, String to, MessageSelection selection) throws SQLException {
        return MovedRows.retry(() -> {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(sql.get("move"))) {
                statement.setString(1, from);
                bind(connection, statement, 2, to, selection);
                int moved = count(statement);
                if (moved > 0) {
                    wake(connection, to);
                }
                return moved;
            }
        });
    }

    public int delete(DataSource dataSource, String queue, MessageSelection selection) throws SQLException {
        return MovedRows.retry(() -> {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(sql.get("delete"))) {
                bind(connection, statement, 1, queue, selection);
                return count(statement);
            }
        });
    }

    /** Binds a queue name and the selection's ids and headers, from parameter {@code first}. */
    private void bind(Connection connection, PreparedStatement statement, int first, String queue,
            MessageSelection selection) throws SQLException {
        statement.setString(first, queue);
        if (selection.ids() == null) {
            statement.setNull(first + 1, Types.ARRAY);
        } else {
            statement.setArray(first + 1, connection.createArrayOf("bigint", selection.ids().toArray()));
        }
        String headers = selection.headers() == null ? null : codec.encodeHeaders(selection.headers());
        if (selection.headers() != null && headers == null) {
            headers = "{}"; // no header to match: any message
        }
        statement.setString(first + 2, headers);
    }

    private void wake(Connection connection, String queue) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.get("wake"))) {
            statement.setString(1, notifyChannel);
            statement.setString(2, queue);
            statement.executeQuery().close();
        }
    }

    private static int count(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
