package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.deployment.ChannelHealth;
import dev.pgmessaging.runtime.PostgresConnector;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/** What each failure strategy does with a message whose handler always throws. */
class FailureStrategiesTest {

    static final String SCHEMA = "failure_strategies_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class, Rows.class, ChannelHealth.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF")
            .overrideConfigKey("mp.messaging.outgoing.to-ignoring.queue", "ignoring")
            .overrideConfigKey("mp.messaging.incoming.ignoring.failure-strategy", "ignore")
            .overrideConfigKey("mp.messaging.outgoing.to-retrying.queue", "retrying")
            .overrideConfigKey("mp.messaging.incoming.retrying.failure-strategy", "retry")
            .overrideConfigKey("mp.messaging.incoming.retrying.max-attempts", "3")
            .overrideConfigKey("mp.messaging.incoming.retrying.retry-initial-delay", "400ms")
            .overrideConfigKey("mp.messaging.incoming.retrying.poll-interval", "50ms")
            .overrideConfigKey("mp.messaging.outgoing.to-dead-lettering.queue", "dead-lettering")
            .overrideConfigKey("mp.messaging.incoming.dead-lettering.max-attempts", "2")
            .overrideConfigKey("mp.messaging.incoming.dead-lettering.retry-initial-delay", "10ms")
            .overrideConfigKey("mp.messaging.incoming.dead-lettering.poll-interval", "50ms")
            .overrideConfigKey("mp.messaging.outgoing.to-failing.queue", "failing")
            .overrideConfigKey("mp.messaging.incoming.failing.failure-strategy", "fail")
            // each outcome is logged once, with its ID, in the connector's category
            .setLogRecordPredicate(record -> "dev.pgmessaging".equals(record.getLoggerName()))
            .assertLogRecords(records -> {
                List<String> lines = records.stream().map(r -> ((ExtLogRecord) r).getFormattedMessage()).toList();
                assertLogged(lines, "PGMSG0003: Channel ignoring ignores the failure of message ");
                assertLogged(lines, "PGMSG0104: Channel retrying gives up on message ");
                assertLogged(lines, "PGMSG0105: Channel dead-lettering moved message ");
                assertLogged(lines, "PGMSG0002: Channel failing stops: a message failed and its failure-strategy is fail");
            });

    @Inject
    Handlers handlers;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    @Connector("postgres")
    PostgresConnector connector;

    @Test
    void ignoreAcksTheFailedMessage() {
        handlers.send("to-ignoring", "a");
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.count(dataSource, SCHEMA, "ignoring") == 0
                && handlers.deliveries("ignoring").size() == 1);
    }

    @Test
    void retryBacksOffThenDropsAfterTheLastAttempt() {
        handlers.send("to-retrying", "b");
        await().atMost(Duration.ofSeconds(20)).until(() -> handlers.deliveries("retrying").size() == 3
                && Rows.count(dataSource, SCHEMA, "retrying") == 0);
        List<Instant> at = handlers.deliveries("retrying");
        // backoff after attempt n: between half and all of 400 ms * 2^(n-1)
        assertTrue(Duration.between(at.get(0), at.get(1)).toMillis() >= 200, "first retry too early: " + at);
        assertTrue(Duration.between(at.get(1), at.get(2)).toMillis() >= 400, "second retry too early: " + at);
        assertEquals(0, Rows.count(dataSource, SCHEMA, "retrying.dlq"), "retry drops, it does not dead-letter");
    }

    @Test
    void deadLetterIsTheDefaultAfterTheLastAttempt() {
        handlers.send("to-dead-lettering", "c");
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.count(dataSource, SCHEMA, "dead-lettering.dlq") == 1);
        assertEquals(2, handlers.deliveries("dead-lettering").size());
        assertEquals(0, Rows.count(dataSource, SCHEMA, "dead-lettering"));
        assertEquals("2", Rows.header(dataSource, SCHEMA, "dead-lettering.dlq", "dead-letter-attempts"));
        assertEquals("handler refused c", Rows.header(dataSource, SCHEMA, "dead-lettering.dlq", "dead-letter-reason"));
        assertEquals(IllegalStateException.class.getName(),
                Rows.header(dataSource, SCHEMA, "dead-lettering.dlq", "dead-letter-exception-class-name"));
    }

    @Test
    void failStopsTheChannelAndKeepsTheMessage() {
        handlers.send("to-failing", "d");
        await().atMost(Duration.ofSeconds(20)).until(() -> !readiness("failing"));
        assertEquals(1, handlers.deliveries("failing").size());
        // the message is back in the queue, visible, for another instance to take
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + SCHEMA
                + "\".queue_message WHERE queue = ? AND lease_token IS NULL AND visible_at <= now()", "failing") == 1);
        assertFalse(readiness("failing"));
        assertFalse(liveness("failing"), "a channel stopped for good is not live");
        assertTrue(liveness("retrying"), "the other channels are");
    }

    private static void assertLogged(List<String> lines, String start) {
        assertEquals(1, lines.stream().filter(line -> line.startsWith(start)).count(), start + " in " + lines);
    }

    private boolean readiness(String channel) {
        return ChannelHealth.ready(connector, channel);
    }

    private boolean liveness(String channel) {
        return ChannelHealth.live(connector, channel);
    }

    @ApplicationScoped
    static class Handlers {
        final Map<String, List<Instant>> deliveries = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-ignoring")
        Emitter<String> toIgnoring;
        @Inject
        @Channel("to-retrying")
        Emitter<String> toRetrying;
        @Inject
        @Channel("to-dead-lettering")
        Emitter<String> toDeadLettering;
        @Inject
        @Channel("to-failing")
        Emitter<String> toFailing;

        void send(String channel, String payload) {
            switch (channel) {
                case "to-ignoring" -> toIgnoring.send(payload);
                case "to-retrying" -> toRetrying.send(payload);
                case "to-dead-lettering" -> toDeadLettering.send(payload);
                default -> toFailing.send(payload);
            }
        }

        List<Instant> deliveries(String channel) {
            return deliveries.getOrDefault(channel, List.of());
        }

        private void refuse(String channel, String payload) {
            deliveries.computeIfAbsent(channel, k -> new CopyOnWriteArrayList<>()).add(Instant.now());
            throw new IllegalStateException("handler refused " + payload);
        }

        @Incoming("ignoring")
        void ignoring(String payload) {
            refuse("ignoring", payload);
        }

        @Incoming("retrying")
        void retrying(String payload) {
            refuse("retrying", payload);
        }

        @Incoming("dead-lettering")
        void deadLettering(String payload) {
            refuse("dead-lettering", payload);
        }

        @Incoming("failing")
        void failing(String payload) {
            refuse("failing", payload);
        }
    }
}
