package dev.pgmessaging.runtime.exchange;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.api.Binding;
import dev.pgmessaging.runtime.notify.NotificationChannel;
import dev.pgmessaging.runtime.sql.NewMessage;
import dev.pgmessaging.runtime.sql.SqlStatements;

/** The exchange operations of one schema, each one statement with bound parameters. */
public final class ExchangeStore {

    private static final int[] NONE = new int[0];
    /** The most shared payloads one delete-orphan-bodies statement deletes (its LIMIT). */
    public static final int SWEEP_BATCH = 10_000;

    private final SqlStatements sql;
    private final String notifyChannel;

    public ExchangeStore(String schema) {
        this.sql = SqlStatements.load("exchange.sql", schema);
        this.notifyChannel = NotificationChannel.of(schema);
    }

    /**
     * Creates the exchange unless it exists.
     *
     * @param type the type to create it with, {@code null} for "as declared elsewhere, else topic"
     * @return its type, which differs from {@code type} when the exchange already existed with another
     */
    public ExchangeType declare(DataSource dataSource, String exchange, ExchangeType type) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("declare-exchange"))) {
            statement.setString(1, exchange);
            statement.setString(2, (type == null ? ExchangeType.TOPIC : type).id());
            statement.setString(3, exchange);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return ExchangeType.byId(rs.getString(1));
            }
        }
    }

    /** The exchange's type, or {@code null} when there is no such exchange. */
    public ExchangeType type(DataSource dataSource, String exchange) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("exchange-type"))) {
            statement.setString(1, exchange);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? ExchangeType.byId(rs.getString(1)) : null;
            }
        }
    }

    /** Adds the binding unless it exists. */
    public void bind(DataSource dataSource, Binding binding) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("declare-binding"))) {
            setBinding(connection, statement, binding);
            statement.setString(7, TopicPattern.compile(binding.routingKey()));
            statement.executeUpdate();
        }
    }

    /** @return whether there was such a binding (it is removed) */
    public boolean unbind(DataSource dataSource, Binding binding) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("unbind"))) {
            setBinding(connection, statement, binding);
            return statement.executeUpdate() > 0;
        }
    }

    /** Binds what identifies a binding, the first six parameters of declare-binding and unbind. */
    private static void setBinding(Connection connection, PreparedStatement statement, Binding binding)
            throws SQLException {
        statement.setString(1, binding.exchange());
        statement.setString(2, binding.queue());
        statement.setString(3, binding.routingKey());
        statement.setArray(4, connection.createArrayOf("text", binding.headers().keySet().toArray()));
        statement.setArray(5, connection.createArrayOf("text", binding.headers().values().toArray()));
        statement.setBoolean(6, binding.matchAll());
    }

    /**
     * Routes the messages through the exchange and appends one row per message and matching queue,
     * on the given connection (and so in its transaction). {@link NewMessage#queue()} is ignored.
     *
     * @param alternateQueue where messages matching no binding go, or {@code null} to leave them out
     * @param deduplicationWindow how long a deduplication id keeps a second message with the same id out
     * @return the positions (0-based) of the messages that were not stored because they matched nothing
     */
    public int[] publish(Connection connection, String exchange, List<NewMessage> messages, String alternateQueue,
            Duration deduplicationWindow, boolean notify) throws SQLException {
        return publish(connection, exchange, messages, alternateQueue, deduplicationWindow, notify, null, null);
    }

    /**
     * Like {@link #publish(Connection, String, List, String, Duration, boolean)}, telling
     * {@code transaction} the id of the transaction that published and {@code deduplicated} how many
     * messages were dropped as duplicates (each unless it is {@code null}).
     */
    public int[] publish(Connection connection, String exchange, List<NewMessage> messages, String alternateQueue,
            Duration deduplicationWindow, boolean notify, LongConsumer transaction, IntConsumer deduplicated)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.get("publish"))) {
            statement.setString(1, exchange);
            statement.setString(2, alternateQueue);
            int next = NewMessage.bind(connection, statement, 3, messages, NewMessage::routingKey);
            statement.setDouble(next, deduplicationWindow.toMillis() / 1000.0);
            statement.setString(next + 1, notifyChannel);
            statement.setBoolean(next + 2, notify);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                if (transaction != null) {
                    transaction.accept(rs.getLong(3));
                }
                int duplicates = rs.getInt(4);
                if (duplicates > 0 && deduplicated != null) {
                    deduplicated.accept(duplicates);
                }
                Array positions = rs.getArray(2);
                Long[] unroutable = (Long[]) positions.getArray();
                if (unroutable.length == 0) {
                    return NONE;
                }
                int[] zeroBased = new int[unroutable.length];
                for (int i = 0; i < unroutable.length; i++) {
                    zeroBased[i] = (int) (unroutable[i] - 1);
                }
                return zeroBased;
            }
        }
    }

    /** Deletes a batch of deduplication ids whose window has ended; returns how many. */
    public int deleteExpiredDeduplicationIds(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("delete-expired-dedup-keys"))) {
            return statement.executeUpdate();
        }
    }

    /** Deletes a batch of shared payloads that no queue row refers to any more; returns how many. */
    public int deleteOrphanBodies(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("delete-orphan-bodies"))) {
            return statement.executeUpdate();
        }
    }
}
