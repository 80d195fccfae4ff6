package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.api.UnknownNameException;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Replay: a group moved to the earliest record gets every record again; moved to a time, it gets
 * exactly the records appended from then on.
 */
class LogReplayTest {

    static final String SCHEMA = "log_replay_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Events.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.events-out.topic", "events")
            .overrideConfigKey("mp.messaging.outgoing.events-out.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.events.group.id", "replayer")
            .overrideConfigKey("mp.messaging.incoming.events.session-timeout", "1s")
            // a new group starts after the latest record: only a seek brings old ones back
            .overrideConfigKey("mp.messaging.incoming.events.auto.offset.reset", "latest");

    @Inject
    Events events;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    PostgresMessaging messaging;

    @Test
    void replayFromEarliestAndFromATime() throws Exception {
        IntStream.range(0, 10).forEach(i -> events.send("a" + i));
        await().atMost(Duration.ofSeconds(20)).until(() -> events.received().size() == 10);
        Instant between = databaseNow();
        IntStream.range(0, 5).forEach(i -> events.send("b" + i));
        await().atMost(Duration.ofSeconds(20)).until(() -> events.received().size() == 15);
        assertEquals(Map.of(1, 15L), counts(), "each record once so far");

        messaging.seek("<default>", "replayer", "events", null, SeekTo.earliest());
        await().atMost(Duration.ofSeconds(20)).until(() -> events.total() == 30);
        assertEquals(Map.of(2, 15L), counts(), "every record once more");

        messaging.seek("<default>", "replayer", "events", null, SeekTo.time(between));
        await().atMost(Duration.ofSeconds(20)).until(() -> events.total() == 35);
        assertEquals(List.of("b0", "b1", "b2", "b3", "b4"), events.received().entrySet().stream()
                .filter(e -> e.getValue().get() == 3).map(Map.Entry::getKey).sorted().toList(),
                "exactly the records appended after the time");
        assertEquals(10, events.received().values().stream().filter(n -> n.get() == 2).count());
    }

    @Test
    void theAdministrationNamesWhatDoesNotExist() {
        assertEquals("PGMSG1010: No postgres channel of this application uses datasource elsewhere", assertThrows(IllegalArgumentException.class,
                () -> messaging.lag("elsewhere", "replayer", "events")).getMessage());
        assertEquals("PGMSG1012: There is no topic missing", assertThrows(UnknownNameException.class,
                () -> messaging.seek("replayer", "missing", null, SeekTo.earliest())).getMessage());
        assertEquals(2, messaging.lag("replayer", "events").size(), "a lag per partition of the default datasource's topic");
    }

    /** How many records were received how many times. */
    private Map<Integer, Long> counts() {
        return events.received().values().stream().collect(Collectors.groupingBy(AtomicInteger::get, Collectors.counting()));
    }

    private Instant databaseNow() throws Exception {
        try (Connection connection = dataSource.getConnection();
                ResultSet rs = connection.createStatement().executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    @ApplicationScoped
    static class Events {
        @Inject
        @Channel("events-out")
        Emitter<String> emitter;
        private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        private final AtomicInteger total = new AtomicInteger();

        void send(String event) {
            emitter.send(event);
        }

        @Incoming("events")
        void receive(String event) {
            received.computeIfAbsent(event, e -> new AtomicInteger()).incrementAndGet();
            total.incrementAndGet();
        }

        Map<String, AtomicInteger> received() {
            return received;
        }

        int total() {
            return total.get();
        }
    }
}
