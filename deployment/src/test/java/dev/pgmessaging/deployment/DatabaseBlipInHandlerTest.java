package dev.pgmessaging.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.PostgresConnector;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A database blip is not a poison message: when the connection of a transactional handler is
 * terminated under it (its transaction cannot commit), a channel with {@code failure-strategy=fail}
 * goes on, the message comes again and is processed once, and so are those after it: on a topic
 * (the record is read again) as on a queue.
 */
class DatabaseBlipInHandlerTest {

    static final String SCHEMA = "database_blip_in_handler_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class, Rows.class, ChannelHealth.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.group.id", "ledger")
            .overrideConfigKey("mp.messaging.incoming.events.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.events.failure-strategy", "fail")
            .overrideConfigKey("mp.messaging.outgoing.to-jobs.queue", "jobs")
            .overrideConfigKey("mp.messaging.incoming.jobs.failure-strategy", "fail");

    @Inject
    Handlers handlers;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    @Connector("postgres")
    PostgresConnector connector;

    @BeforeEach
    void effects() {
        Rows.execute(dataSource, "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".effect (channel text, id text)");
    }

    @Test
    void aTopicChannelGoesOnAfterItsHandlerLostItsConnection() {
        handlers.sendEvents("blip-e", "e-2", "e-3");
        await().atMost(Duration.ofSeconds(30)).until(() -> effects("events") == 3);
        assertEquals(1, effects("events", "blip-e"), "the record whose commit failed was processed once");
        assertTrue(ready("events"), "the channel stopped on a database failure");
    }

    @Test
    void aQueueChannelGoesOnAfterItsHandlerLostItsConnection() {
        handlers.sendJobs("blip-j", "j-2");
        await().atMost(Duration.ofSeconds(30)).until(() -> effects("jobs") == 2);
        assertEquals(1, effects("jobs", "blip-j"));
        assertTrue(ready("jobs"), "the channel stopped on a database failure");
    }

    private long effects(String channel) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".effect WHERE channel = ?", channel);
    }

    private long effects(String channel, String id) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".effect WHERE channel = '" + channel
                + "' AND id = ?", id);
    }

    private boolean ready(String channel) {
        return ChannelHealth.ready(connector, channel);
    }

    @ApplicationScoped
    static class Handlers {
        @Inject
        AgroalDataSource dataSource;
        @Inject
        @Channel("to-events")
        Emitter<String> toEvents;
        @Inject
        @Channel("to-jobs")
        Emitter<String> toJobs;
        /** The messages whose connection was terminated once, and those processed. */
        private final Set<String> seen = ConcurrentHashMap.newKeySet();

        void sendEvents(String... ids) {
            for (String id : ids) {
                toEvents.send(id);
            }
        }

        void sendJobs(String... ids) {
            for (String id : ids) {
                toJobs.send(id);
            }
        }

        @Incoming("events")
        @Transactional
        void onEvent(String id) throws SQLException {
            handle("events", id);
        }

        @Incoming("jobs")
        @Transactional
        void onJob(String id) throws SQLException {
            handle("jobs", id);
        }

        /** Writes the effect; the first time a "blip" message comes, its connection is then terminated. */
        private void handle(String channel, String id) throws SQLException {
            int pid;
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement insert = connection.prepareStatement(
                            "INSERT INTO " + SCHEMA + ".effect VALUES (?, ?)");
                    PreparedStatement backend = connection.prepareStatement("SELECT pg_backend_pid()")) {
                insert.setString(1, channel);
                insert.setString(2, id);
                insert.executeUpdate();
                try (ResultSet rs = backend.executeQuery()) {
                    rs.next();
                    pid = rs.getInt(1);
                }
            }
            if (seen.add(id) && id.startsWith("blip")) {
                // as if the database restarted under the handler: its transaction can no longer commit
                QuarkusTransaction.suspendingExisting().run(() -> {
                    Rows.execute(dataSource, "SELECT pg_terminate_backend(" + pid + ")");
                    await().atMost(Duration.ofSeconds(10)).until(() -> Rows.queryLong(dataSource,
                            "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) == 0);
                });
            }
        }
    }
}
