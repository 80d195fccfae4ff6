package dev.pgmessaging.runtime.notify;

import java.nio.charset.StandardCharsets;

/** The LISTEN/NOTIFY channel on which producers announce new messages of a schema's queues. */
public final class NotificationChannel {

    private static final String PREFIX = "pgmessaging_";
    private static final int MAX_IDENTIFIER_BYTES = 63;

    private NotificationChannel() {
    }

    /**
     * The notification payload that wakes the consumers of a topic: queue names cannot contain a
     * colon, so it never wakes a queue's.
     */
    public static String topicKey(String topic) {
        return "topic:" + topic;
    }

    /**
     * A payload that also names the instance whose producer sent it ({@link Wakeups#origin()}):
     * that instance woke its own consumers already. Queue names and topic keys contain no space;
     * the queue's send statement builds the same form.
     */
    public static String withOrigin(String key, String origin) {
        return key + " " + origin;
    }

    public static String of(String schema) {
        String channel = PREFIX + schema;
        // LISTEN takes an identifier, silently truncated past 63 bytes: keep it short and exact.
        if (channel.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
            channel = PREFIX + Integer.toHexString(schema.hashCode());
        }
        return channel;
    }
}
