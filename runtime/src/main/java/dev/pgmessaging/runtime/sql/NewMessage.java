package dev.pgmessaging.runtime.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * A message to append.
 *
 * @param queue the queue it goes to (sent directly to a queue)
 * @param routingKey the routing key (published through an exchange), or {@code null}
 * @param priority higher first
 * @param delay how long after the send it becomes visible (zero: at once)
 * @param deliverAt when it becomes visible, or {@code null} to go by {@code delay}
 * @param timeToLive how long after the send it expires, or {@code null} for never
 * @param deduplicationId the id under which a second message is dropped within the window, or {@code null}
 */
public record NewMessage(String queue, String routingKey, String key, String contentType, String headers,
        byte[] payload, int priority, Duration delay, Instant deliverAt, Duration timeToLive,
        String deduplicationId) {

    public NewMessage(String queue, String key, String contentType, String headers, byte[] payload) {
        this(queue, null, key, contentType, headers, payload, 0, Duration.ZERO, null, null, null);
    }

    /**
     * Binds messages as the ten parallel arrays the send and publish statements take: the
     * target (queue or routing key), key, content type, headers, payload, priority, delay, deliver-at,
     * time to live and deduplication id.
     *
     * @return the index of the next parameter
     */
    public static int bind(Connection connection, PreparedStatement statement, int first,
            List<NewMessage> messages, Function<NewMessage, String> target) throws SQLException {
        int n = messages.size();
        String[] targets = new String[n];
        String[] keys = new String[n];
        String[] contentTypes = new String[n];
        String[] headers = new String[n];
        byte[][] payloads = new byte[n][];
        Short[] priorities = new Short[n];
        Double[] delays = new Double[n];
        Double[] deliverAts = new Double[n];
        Double[] timesToLive = new Double[n];
        String[] deduplicationIds = new String[n];
        for (int i = 0; i < n; i++) {
            NewMessage message = messages.get(i);
            targets[i] = target.apply(message);
            keys[i] = message.key();
            contentTypes[i] = message.contentType();
            headers[i] = message.headers();
            payloads[i] = message.payload();
            priorities[i] = (short) message.priority();
            delays[i] = message.delay().toMillis() / 1000.0;
            deliverAts[i] = message.deliverAt() == null ? null : message.deliverAt().toEpochMilli() / 1000.0;
            timesToLive[i] = message.timeToLive() == null ? null : message.timeToLive().toMillis() / 1000.0;
            deduplicationIds[i] = message.deduplicationId();
        }
        statement.setArray(first, connection.createArrayOf("text", targets));
        statement.setArray(first + 1, connection.createArrayOf("text", keys));
        statement.setArray(first + 2, connection.createArrayOf("text", contentTypes));
        statement.setArray(first + 3, connection.createArrayOf("text", headers));
        statement.setArray(first + 4, connection.createArrayOf("bytea", payloads));
        statement.setArray(first + 5, connection.createArrayOf("int2", priorities));
        statement.setArray(first + 6, connection.createArrayOf("float8", delays));
        statement.setArray(first + 7, connection.createArrayOf("float8", deliverAts));
        statement.setArray(first + 8, connection.createArrayOf("float8", timesToLive));
        statement.setArray(first + 9, connection.createArrayOf("text", deduplicationIds));
        return first + 10;
    }
}
