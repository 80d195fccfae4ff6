package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.log.LogStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Retention drops the segment a group is reading while it is reading it: the group goes on at the
 * earliest record kept, and commits past the dropped ones, instead of waiting for records that
 * are gone.
 */
class LogRetentionWhileReadingTest {

    static final String SCHEMA = "log_retention_while_reading_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Events.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.events-out.topic", "events")
            .overrideConfigKey("mp.messaging.outgoing.events-out.partitions", "1")
            .overrideConfigKey("mp.messaging.outgoing.events-out.retention", "2d")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.partitions", "1")
            .overrideConfigKey("mp.messaging.incoming.events.retention", "2d")
            .overrideConfigKey("mp.messaging.incoming.events.group.id", "readers")
            .overrideConfigKey("mp.messaging.incoming.events.auto.offset.reset", "earliest")
            // one record ahead of the handler: the rest of the old segment is not read yet when it goes
            .overrideConfigKey("mp.messaging.incoming.events.max-poll-records", "1")
            .overrideConfigKey("mp.messaging.incoming.events.poll-interval", "100ms")
            .overrideConfigKey("mp.messaging.incoming.events.commit-interval", "100ms");

    @Inject
    Events events;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aGroupGoesOnPastRecordsDroppedWhileItReadsThem() throws Exception {
        long topic = Rows.queryLong(dataSource, "SELECT id FROM " + SCHEMA + ".topic WHERE name = 'events'");
        IntStream.range(0, 10).forEach(i -> events.send("old-" + i));
        await().atMost(Duration.ofSeconds(20)).until(() -> events.received().contains("old-0"));

        // the upkeep as it will run in five days drops today's segment (and the next ones), then
        // today's upkeep creates it again, empty: offsets 0-9 are gone, unread but for the first
        Rows.execute(dataSource, "SELECT " + SCHEMA + ".maintain_log_segments(0, now() + interval '5 days')");
        new LogStore(SCHEMA).maintainSegments(dataSource);
        assertEquals(10, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".log_start_offset(" + topic + ", 0)"),
                "nothing kept before offset 10");
        List.of("new-10", "new-11", "new-12").forEach(events::send);
        events.release();

        await().atMost(Duration.ofSeconds(20)).until(() -> events.received().size() == 4);
        assertEquals(List.of("old-0", "new-10", "new-11", "new-12"), events.received());
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.queryLong(dataSource, "SELECT committed_offset FROM "
                + SCHEMA + ".consumer_group_partition WHERE group_id = 'readers'") == 13);
    }

    @ApplicationScoped
    static class Events {
        @Inject
        @Channel("events-out")
        Emitter<String> emitter;
        private final List<String> received = new CopyOnWriteArrayList<>();
        /** Holds the first record's ack until the test lets it go. */
        private final CompletableFuture<Void> gate = new CompletableFuture<>();

        void send(String event) {
            emitter.send(event);
        }

        void release() {
            gate.complete(null);
        }

        @Incoming("events")
        CompletionStage<Void> receive(String event) {
            received.add(event);
            return event.equals("old-0") ? gate : CompletableFuture.completedFuture(null);
        }

        List<String> received() {
            return received;
        }
    }
}
