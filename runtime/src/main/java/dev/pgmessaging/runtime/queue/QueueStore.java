package dev.pgmessaging.runtime.queue;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.notify.NotificationChannel;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.sql.JdbcArrays;
import dev.pgmessaging.runtime.sql.NewMessage;
import dev.pgmessaging.runtime.sql.SqlStatements;

/**
 * The queue operations of one schema, each one statement with bound parameters.
 * <p>
 * The statements on leases that the consumer runs (claim, renew, ack, release, dead letter) commit
 * without waiting for their WAL to reach the disk ({@code synchronous_commit} off for their own
 * transaction only). Losing such a commit in a crash of the database server only delivers a
 * message again: a lost lease or renewal makes it visible again, a lost ack, release or dead letter
 * leaves it leased until its visibility timeout. At-least-once holds, as it does for a broker that
 * does not flush its consumers' acks. A commit that must last (the producer's send, an ack in the
 * handler's transaction) still waits for the flush, and flushes these earlier ones with it (the
 * WAL is written in order).
 */
public final class QueueStore {

    private final SqlStatements sql;
    private final String notifyChannel;
    private final LongAdder claimedMessages = new LongAdder();

    public QueueStore(String schema) {
        this.sql = SqlStatements.load("queue_message.sql", schema);
        this.notifyChannel = NotificationChannel.of(schema);
    }

    public String notifyChannel() {
        return notifyChannel;
    }

    public void registerQueue(DataSource dataSource, String queue) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("register-queue"))) {
            statement.setString(1, queue);
            statement.executeUpdate();
        }
    }

    /**
     * Appends the messages in one statement, on the given connection (and so in its transaction),
     * leaving out those whose deduplication id was seen by their queue within the window.
     *
     * @return how many messages were dropped as duplicates
     */
    public int send(Connection connection, List<NewMessage> messages, Duration deduplicationWindow, boolean notify)
            throws SQLException {
        return send(connection, messages, deduplicationWindow, notify, null);
    }

    /**
     * Like {@link #send(Connection, List, Duration, boolean)}, telling the listeners that the
     * instance of {@code origin} (see {@link Wakeups#origin()}) wakes its own consumers.
     */
    public int send(Connection connection, List<NewMessage> messages, Duration deduplicationWindow, boolean notify,
            String origin) throws SQLException {
        int[] duplicates = new int[1];
        send(connection, messages, null, null, deduplicationWindow, notify, origin, null, n -> duplicates[0] = n);
        return duplicates[0];
    }

    /**
     * Like {@link #send(Connection, List, Duration, boolean, String)}, storing the messages whose
     * {@code leased} flag is set already leased for {@code visibilityTimeout} (local delivery: see
     * {@link LocalDeliveries}); they must have no deduplication id, and their queue is not notified
     * unless other messages went to it.
     *
     * @param leased one flag per message, or {@code null} for none
     * @return the leased messages as a claim would have returned them, in batch order
     */
    public List<ClaimedMessage> send(Connection connection, List<NewMessage> messages, boolean[] leased,
            Duration visibilityTimeout, Duration deduplicationWindow, boolean notify, String origin) throws SQLException {
        return send(connection, messages, leased, visibilityTimeout, deduplicationWindow, notify, origin, null, null);
    }

    /**
     * Like {@link #send(Connection, List, boolean[], Duration, Duration, boolean, String)}, telling
     * {@code transaction} the id of the transaction that sent and {@code deduplicated} how many
     * messages were dropped as duplicates (each unless it is {@code null}).
     */
    public List<ClaimedMessage> send(Connection connection, List<NewMessage> messages, boolean[] leased,
            Duration visibilityTimeout, Duration deduplicationWindow, boolean notify, String origin,
            LongConsumer transaction, IntConsumer deduplicated) throws SQLException {
        Boolean[] flags = new Boolean[messages.size()];
        List<NewMessage> leasedMessages = new ArrayList<>();
        for (int i = 0; i < flags.length; i++) {
            flags[i] = leased != null && leased[i];
            if (flags[i]) {
                leasedMessages.add(messages.get(i));
            }
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.get("send"))) {
            int next = NewMessage.bind(connection, statement, 1, messages, NewMessage::queue);
            statement.setArray(next, connection.createArrayOf("bool", flags));
            statement.setDouble(next + 1, deduplicationWindow.toMillis() / 1000.0);
            statement.setDouble(next + 2, visibilityTimeout == null ? 0 : visibilityTimeout.toMillis() / 1000.0);
            statement.setString(next + 3, notifyChannel);
            statement.setString(next + 4, origin);
            statement.setBoolean(next + 5, notify);
            List<ClaimedMessage> delivered = new ArrayList<>(leasedMessages.size());
            try (ResultSet rs = statement.executeQuery()) {
                List<long[]> rows = new ArrayList<>(leasedMessages.size());
                Instant enqueuedAt = null;
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (!rs.wasNull()) {
                        rows.add(new long[] { id, rs.getLong(2) });
                        enqueuedAt = rs.getTimestamp(3).toInstant();
                    }
                    long transactionId = rs.getLong(4);
                    if (!rs.wasNull() && transaction != null) {
                        transaction.accept(transactionId);
                    }
                    int duplicates = rs.getInt(5);
                    if (duplicates > 0 && deduplicated != null) {
                        deduplicated.accept(duplicates);
                    }
                }
                if (rows.size() != leasedMessages.size()) {
                    // cannot happen (leased messages have no deduplication id, so all are stored); if it
                    // did, the messages are committed and simply redelivered after their lease
                    LOG.localDeliveryMismatch(rows.size(), leasedMessages.size());
                    return List.of();
                }
                // Identity values are drawn as the rows are inserted, in the statement's ORDER BY (the
                // batch order): the ids in ascending order are the leased messages in batch order.
                rows.sort(Comparator.comparingLong(row -> row[0]));
                for (int i = 0; i < rows.size(); i++) {
                    NewMessage message = leasedMessages.get(i);
                    delivered.add(new ClaimedMessage(rows.get(i)[0], rows.get(i)[1], 1, message.priority(), enqueuedAt,
                            message.key(), message.contentType(), message.headers(), message.payload(), null, null));
                }
            }
            claimedMessages.add(delivered.size());
            delivered.sort(ClaimedMessage.CLAIM_ORDER); // emitted as a claim would have: priority first, then FIFO
            return delivered;
        }
    }

    /**
     * Leases up to {@code limit} visible messages of the queue, and takes care of up to 100 of its
     * expired messages on the way.
     *
     * @param expiredTo the dead-letter queue for expired messages, or {@code null} to drop them
     * @param orderedByKey whether to lease only the oldest message of a key, and only while no other
     *        message of its key is leased (per-key FIFO)
     * @param keyCursor with {@code orderedByKey}: the key to start looking from (keys are visited in
     *        order; {@code ""} for the first)
     */
    public List<ClaimedMessage> claim(DataSource dataSource, String queue, int limit, Duration visibilityTimeout,
            String expiredTo, boolean orderedByKey, String keyCursor) throws SQLException {
        return claim(dataSource, queue, limit, visibilityTimeout, expiredTo, orderedByKey, keyCursor, new ClaimFloor(),
                expired -> {
                });
    }

    /**
     * Like {@link #claim(DataSource, String, int, Duration, String, boolean, String)}, starting where
     * {@code floor} says (unordered claims only) and moving it on, and telling {@code expired} how
     * many expired messages it took care of (when any were).
     */
    public List<ClaimedMessage> claim(DataSource dataSource, String queue, int limit, Duration visibilityTimeout,
            String expiredTo, boolean orderedByKey, String keyCursor, ClaimFloor floor, IntConsumer expired)
            throws SQLException {
        return MovedRows.retry(() -> claimOnce(dataSource, queue, limit, visibilityTimeout, expiredTo, orderedByKey,
                keyCursor, floor, expired));
    }

    private List<ClaimedMessage> claimOnce(DataSource dataSource, String queue, int limit, Duration visibilityTimeout,
            String expiredTo, boolean orderedByKey, String keyCursor, ClaimFloor floor, IntConsumer expired)
            throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("claim"))) {
            statement.setString(1, queue);
            statement.setInt(2, limit);
            statement.setDouble(3, visibilityTimeout.toMillis() / 1000.0);
            statement.setString(4, expiredTo);
            statement.setBoolean(5, orderedByKey);
            statement.setString(6, keyCursor);
            long started = System.nanoTime();
            if (orderedByKey || floor.startFromHead(started)) {
                statement.setNull(7, Types.SMALLINT);
                statement.setNull(8, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                statement.setShort(7, floor.priority().shortValue());
                statement.setObject(8, floor.from().atOffset(ZoneOffset.UTC));
            }
            List<ClaimedMessage> claimed = new ArrayList<>(limit);
            Integer firstPriority = null;
            Instant firstVisibleAt = null;
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (rs.wasNull()) { // the row that counts expired messages
                        expired.accept(rs.getInt(14));
                        continue;
                    }
                    claimed.add(new ClaimedMessage(id, rs.getLong(2), rs.getInt(3), rs.getInt(4),
                            rs.getTimestamp(5).toInstant(), rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getBytes(9), rs.getString(10), rs.getString(11)));
                    Timestamp floorAt = rs.getTimestamp(13);
                    if (floorAt != null) {
                        firstPriority = rs.getInt(12);
                        firstVisibleAt = floorAt.toInstant();
                    }
                }
            }
            if (!orderedByKey) {
                floor.claimed(started, System.nanoTime(), firstPriority, firstVisibleAt);
            }
            claimed.sort(ClaimedMessage.CLAIM_ORDER); // RETURNING gives no order
            claimedMessages.add(claimed.size());
            return claimed;
        }
    }

    /**
     * Deletes the acknowledged deliveries, or moves them to the archive; a delivery whose lease was
     * lost is left alone.
     */
    public int ack(DataSource dataSource, long[] ids, long[] tokens, boolean archive) throws SQLException {
        return MovedRows.retry(() -> ack(dataSource, archive ? "ack-archive" : "ack", ids, tokens, null));
    }

    /**
     * Like {@link #ack(DataSource, long[], long[], boolean)}, in the calling thread's transaction
     * (the connection the datasource gives is the one enlisted in it), which commits as the
     * application made it: flushed, unlike the consumer's own acks.
     */
    public int ackInTransaction(DataSource dataSource, long[] ids, long[] tokens, boolean archive, Duration idleLimit)
            throws SQLException {
        return ack(dataSource, archive ? "ack-archive-in-transaction" : "ack-in-transaction", ids, tokens, idleLimit);
    }

    /** @param idleLimit in a handler's transaction: how long it may stay idle before it commits, or {@code null} */
    private int ack(DataSource dataSource, String statementName, long[] ids, long[] tokens, Duration idleLimit)
            throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get(statementName))) {
            statement.setArray(1, JdbcArrays.longs(connection, ids));
            statement.setArray(2, JdbcArrays.longs(connection, tokens));
            if (idleLimit != null) {
                statement.setString(3, Long.toString(idleLimit.toMillis()));
            }
            return count(statement);
        }
    }

    /**
     * Creates the archive partitions of the coming days and drops those older than the retention.
     *
     * @return how many partitions were dropped
     */
    public int maintainArchive(DataSource dataSource, Duration retention) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("maintain-archive"))) {
            statement.setDouble(1, retention.toSeconds());
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Renews the leases of these deliveries for another visibility timeout; lost leases stay lost. */
    public int extend(DataSource dataSource, long[] ids, long[] tokens, Duration visibilityTimeout) throws SQLException {
        return MovedRows.retry(() -> {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(sql.get("extend"))) {
                statement.setDouble(1, visibilityTimeout.toMillis() / 1000.0);
                statement.setArray(2, JdbcArrays.longs(connection, ids));
                statement.setArray(3, JdbcArrays.longs(connection, tokens));
                return count(statement);
            }
        });
    }

    /**
     * Gives the deliveries back to the queue, each visible again after its delay in seconds; a
     * delivery whose lease was lost is left alone.
     */
    public int release(DataSource dataSource, long[] ids, long[] tokens, double[] delaySeconds) throws SQLException {
        return MovedRows.retry(() -> {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(sql.get("release"))) {
                statement.setArray(1, JdbcArrays.longs(connection, ids));
                statement.setArray(2, JdbcArrays.longs(connection, tokens));
                statement.setArray(3, JdbcArrays.doubles(connection, delaySeconds));
                return count(statement);
            }
        });
    }

    /**
     * Gives back deliveries that never reached a handler, visible at once, their claim's attempt
     * taken back; a delivery whose lease was lost is left alone.
     */
    public int giveBack(DataSource dataSource, long[] ids, long[] tokens) throws SQLException {
        return MovedRows.retry(() -> {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(sql.get("give-back"))) {
                statement.setArray(1, JdbcArrays.longs(connection, ids));
                statement.setArray(2, JdbcArrays.longs(connection, tokens));
                return count(statement);
            }
        });
    }

    /**
     * Moves a leased message to the dead-letter queue with the reason in its headers.
     *
     * @return whether the message was moved (false when the lease was lost meanwhile)
     */
    public boolean deadLetter(DataSource dataSource, long id, long token, String deadLetterQueue, Throwable reason)
            throws SQLException {
        return MovedRows.retry(() -> {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(sql.get("dead-letter"))) {
                statement.setLong(1, id);
                statement.setLong(2, token);
                statement.setString(3, deadLetterQueue);
                statement.setString(4, String.valueOf(reason.getMessage()));
                statement.setString(5, reason.getClass().getName());
                return count(statement) == 1;
            }
        });
    }

    /** Which of these queues have a message that a claim would take now (or remove, if it expired). */
    public Set<String> queuesWithClaimableMessages(DataSource dataSource, String[] queues) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("queues-with-visible-messages"))) {
            statement.setArray(1, connection.createArrayOf("text", queues));
            Set<String> found = new HashSet<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
            return found;
        }
    }

    /**
     * One step of the rotation of the message table's slots (see rotate_queue_slots in the schema
     * baseline, V1__baseline.sql).
     *
     * @return whether a slot could not be truncated for the moment, so the step should come again soon
     */
    public boolean rotateSlots(DataSource dataSource, long rotateBytes, int moveLimit) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("rotate-slots"))) {
            statement.setLong(1, rotateBytes);
            statement.setInt(2, moveLimit);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Whether claims of this instance leased messages since the last call: the slots are in use. */
    public boolean claimedSinceLastAsked() {
        return claimedMessages.sumThenReset() > 0;
    }

    /** Runs a statement that calls a function returning how many rows it changed. */
    private static int count(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
