package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.notify.NotificationChannel;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * An append whose notification arrives while the channel reads wakes the channel for the next
 * read, although the read in progress cannot see the append and returns fewer records than it
 * asked for (after such a read the channel waits for a notification, so a lost one would leave the
 * record unread until the next poll, a minute here).
 * <p>
 * The race is forced: the test holds a lock on one of the topic's daily segments, which the
 * channel's read needs (it plans over all of them) and the appends, written straight into today's
 * segment, do not. A second topic, notified after the first, shows when the channel's listener has
 * handled the notification: it handles them one after the other.
 */
class LogWakeDuringReadTest {

    static final String SCHEMA = "log_wake_during_read_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.partitions", "1")
            .overrideConfigKey("mp.messaging.incoming.events.group.id", "readers")
            .overrideConfigKey("mp.messaging.incoming.events.auto.offset.reset", "earliest")
            // nothing but notifications wakes the channel within the test
            .overrideConfigKey("mp.messaging.incoming.events.poll-interval", "1m")
            .overrideConfigKey("mp.messaging.incoming.events.commit-interval", "1m")
            .overrideConfigKey("mp.messaging.incoming.events.session-timeout", "3m")
            .overrideConfigKey("mp.messaging.incoming.probe.topic", "probe")
            .overrideConfigKey("mp.messaging.incoming.probe.partitions", "1")
            .overrideConfigKey("mp.messaging.incoming.probe.group.id", "probers")
            .overrideConfigKey("mp.messaging.incoming.probe.auto.offset.reset", "earliest")
            // nor reads, commits or heartbeats of the probe, which could wait for the test's lock too
            .overrideConfigKey("mp.messaging.incoming.probe.poll-interval", "1m")
            .overrideConfigKey("mp.messaging.incoming.probe.commit-interval", "1m")
            .overrideConfigKey("mp.messaging.incoming.probe.session-timeout", "3m");

    @Inject
    Handlers handlers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aNotificationThatArrivesDuringAReadWakesTheChannelForTheNextOne() throws Exception {
        try (Connection writer = dataSource.getConnection()) {
            writer.setAutoCommit(false);
            append(writer, "events", 0, "r0");
            append(writer, "probe", 0, "p0");
            writer.commit();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertEquals(List.of("r0"), handlers.events());
                assertEquals(List.of("p0"), handlers.probes());
            });

            // a segment that no append of the test writes to, and that every read of the topic plans over
            String segment = segment(writer, "events", 2);
            try (Connection locker = dataSource.getConnection(); Statement lock = locker.createStatement()) {
                locker.setAutoCommit(false);
                lock.execute("LOCK TABLE " + SCHEMA + "." + segment + " IN ACCESS EXCLUSIVE MODE");

                append(writer, "events", 1, "r1");
                writer.commit();
                await().atMost(Duration.ofSeconds(10)).until(() -> waitingFor(segment) == 1);

                // r2 commits while the read that r1 woke waits: that read cannot see it
                append(writer, "events", 2, "r2");
                append(writer, "probe", 1, "p1");
                writer.commit();
                await().atMost(Duration.ofSeconds(10)).until(() -> handlers.probes().size() == 2);
                assertEquals(List.of("r0"), handlers.events(), "the read waits for the lock");
                locker.rollback();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> handlers.events().size() == 3);
            assertEquals(List.of("r0", "r1", "r2"), handlers.events());
        }
    }

    /**
     * Writes one record as a batch of its own straight into today's segment of the topic's
     * partition 0, at the offset given, and notifies the topic's consumers (at commit).
     */
    private static void append(Connection connection, String topic, long offset, String payload) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + SCHEMA + "." + segment(connection, topic, 0)
                + " (topic_id, partition, first_offset, last_offset, appended_at, timestamps, keys, content_types, headers,"
                + " payloads) SELECT id, 0, ?, ?, now(), '{NULL}', '{NULL}', '{text/plain}', '{NULL}', ARRAY[?::bytea]"
                + " FROM " + SCHEMA + ".topic WHERE name = ?");
                PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            insert.setLong(1, offset);
            insert.setLong(2, offset);
            insert.setBytes(3, payload.getBytes(StandardCharsets.UTF_8));
            insert.setString(4, topic);
            insert.executeUpdate();
            notify.setString(1, NotificationChannel.of(SCHEMA));
            notify.setString(2, NotificationChannel.topicKey(topic));
            notify.execute();
        }
    }

    /** The topic's daily segment of the day {@code daysAhead} after today (UTC). */
    private static String segment(Connection connection, String topic, int daysAhead) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT 'log_batch_t' || id || '_p'"
                + " || to_char((now() + make_interval(days => ?)) AT TIME ZONE 'UTC', 'YYYYMMDD')"
                + " FROM " + SCHEMA + ".topic WHERE name = ?")) {
            statement.setInt(1, daysAhead);
            statement.setString(2, topic);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }

    /** How many sessions wait for a lock on the segment. */
    private long waitingFor(String segment) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '"
                + SCHEMA + "." + segment + "'::regclass");
    }

    @ApplicationScoped
    static class Handlers {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> probes = new CopyOnWriteArrayList<>();

        @Incoming("events")
        void onEvent(String event) {
            events.add(event);
        }

        @Incoming("probe")
        void onProbe(String probe) {
            probes.add(probe);
        }

        // through the bean's client proxy: its fields are not the bean's
        List<String> events() {
            return events;
        }

        List<String> probes() {
            return probes;
        }
    }
}
