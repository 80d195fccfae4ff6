package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * A partition that stops being a member's share while it still has records in its handler is
 * drained, then released; if it becomes the member's share again before that (the member that
 * joined left, or another one went), the member reads it again. It used to stay "draining" for
 * good: owned, heart-beaten, never read, with no log line.
 */
class RebalanceBackAndForthTest {

    static final String SCHEMA = "rebalance_back_and_forth_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handler.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.events.group.id", "g")
            .overrideConfigKey("mp.messaging.incoming.events.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.events.session-timeout", "3s");

    @Inject
    Handler handler;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aPartitionThatComesBackWhileDrainingIsReadAgain() throws Exception {
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.findTopic(dataSource, "events");
        // the member owns both partitions, and holds a record of each in its handler
        append(store, topic, "slow-0", 0);
        append(store, topic, "slow-1", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> handler.started().contains("slow-0")
                || handler.started().contains("slow-1"));

        // another member joins: one partition is no longer this member's share, and it starts draining it
        heartbeat(topic, "joiner", false);
        long joined = now();
        await().atMost(Duration.ofSeconds(10)).until(() -> lastHeartbeatOfTheChannel() > joined);
        // and leaves before that partition was drained: both are the channel's share again
        heartbeat(topic, "joiner", true);
        long left = now();
        await().atMost(Duration.ofSeconds(10)).until(() -> lastHeartbeatOfTheChannel() > left);

        handler.release();
        append(store, topic, "after-0", 0);
        append(store, topic, "after-1", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> handler.done().containsAll(Set.of("after-0", "after-1")));
    }

    private void append(LogStore store, Topic topic, String value, int partition) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            store.append(connection, topic, java.util.List.of(new NewRecord(partition, null, "text/plain", null,
                    value.getBytes(), null)), null, null);
        }
    }

    private void heartbeat(Topic topic, String member, boolean leaving) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT * FROM " + SCHEMA
                        + ".group_heartbeat('g', ?, ?, 30, true, ?, '{}')")) {
            statement.setInt(1, topic.id());
            statement.setString(2, member);
            statement.setBoolean(3, leaving);
            statement.executeQuery().close();
        }
    }

    private long now() {
        return Rows.queryLong(dataSource, "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
    }

    private long lastHeartbeatOfTheChannel() {
        return Rows.queryLong(dataSource, "SELECT coalesce(max((extract(epoch FROM heartbeat_at) * 1000000)::bigint), 0)"
                + " FROM " + SCHEMA + ".consumer_group_member WHERE member_id <> 'joiner'");
    }

    @ApplicationScoped
    static class Handler {
        private final Set<String> started = ConcurrentHashMap.newKeySet();
        private final Set<String> done = ConcurrentHashMap.newKeySet();
        private final CountDownLatch release = new CountDownLatch(1);

        Set<String> started() {
            return started;
        }

        Set<String> done() {
            return done;
        }

        void release() {
            release.countDown();
        }

        @Incoming("events")
        @Blocking
        void handle(String value) throws InterruptedException {
            started.add(value);
            if (value.startsWith("slow")) {
                release.await(30, TimeUnit.SECONDS);
            }
            done.add(value);
        }
    }
}
