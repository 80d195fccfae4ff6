package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.ConsumerGroupInfo;
import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A topic channel paused while its slow handler works through what it read ahead: within the
 * handler's time nothing more is handled; it stays the group's live member for several session
 * timeouts (it keeps its partitions); resumed, it reads from the first record its handler did not
 * get: every record handled exactly once, each partition in offset order.
 */
class PauseResumeTopicTest {

    static final String SCHEMA = "pause_resume_topic_test";
    static final int RECORDS = 150;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Reader.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.ticks-out.topic", "ticks")
            .overrideConfigKey("mp.messaging.outgoing.ticks-out.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.ticks.topic", "ticks")
            .overrideConfigKey("mp.messaging.incoming.ticks.partitions", "2")
            .overrideConfigKey("mp.messaging.incoming.ticks.group.id", "readers")
            .overrideConfigKey("mp.messaging.incoming.ticks.auto.offset.reset", "earliest")
            .overrideConfigKey("mp.messaging.incoming.ticks.session-timeout", "1s");

    @Inject
    Reader reader;
    @Inject
    PostgresMessaging messaging;

    @Test
    void pausedTopicChannelKeepsItsPartitionsAndReadsOnFromWhereItStopped() {
        for (int i = 0; i < RECORDS; i++) {
            reader.send("t" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> reader.handled() >= 5);
        messaging.pause("ticks");
        // the record at work finishes; what was read ahead goes no further
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            int before = reader.handled();
            return before < RECORDS && reader.quietFor(Duration.ofMillis(500));
        });
        int handledAtPause = reader.handled();
        // three session timeouts later it is still the group's member, and still handles nothing
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> reader.handled() == handledAtPause);
        ConsumerGroupInfo group = messaging.group(PostgresMessaging.DEFAULT_DATASOURCE, "readers", "ticks");
        assertEquals(1, group.liveMembers());
        assertEquals(RECORDS - handledAtPause, group.lag(), "the offsets committed are those handled");

        messaging.resume("ticks");
        await().atMost(Duration.ofSeconds(30)).until(() -> reader.handled() == RECORDS
                && messaging.group(PostgresMessaging.DEFAULT_DATASOURCE, "readers", "ticks").lag() == 0);
        assertEquals(RECORDS, reader.counts().size());
        assertEquals(List.of(), reader.counts().entrySet().stream().filter(e -> e.getValue().get() != 1)
                .map(Map.Entry::getKey).toList(), "each record handled once");
        reader.offsets().forEach((partition, offsets) -> {
            for (int i = 1; i < offsets.size(); i++) {
                assertTrue(offsets.get(i) > offsets.get(i - 1), "partition " + partition + " in order: " + offsets);
            }
        });
    }

    @ApplicationScoped
    static class Reader {
        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        private final Map<Integer, List<Long>> offsets = new ConcurrentHashMap<>();
        private final AtomicInteger handled = new AtomicInteger();
        private volatile long lastHandled = System.nanoTime();

        @Inject
        @Channel("ticks-out")
        Emitter<String> out;

        void send(String tick) {
            out.send(tick);
        }

        int handled() {
            return handled.get();
        }

        boolean quietFor(Duration duration) {
            return System.nanoTime() - lastHandled > duration.toNanos();
        }

        Map<String, AtomicInteger> counts() {
            return counts;
        }

        Map<Integer, List<Long>> offsets() {
            return offsets;
        }

        @Incoming("ticks")
        void read(String tick, IncomingLogMetadata<String> metadata) throws InterruptedException {
            Thread.sleep(50);
            counts.computeIfAbsent(tick, t -> new AtomicInteger()).incrementAndGet();
            offsets.computeIfAbsent(metadata.getPartition(), p -> new CopyOnWriteArrayList<>()).add(metadata.getOffset());
            handled.incrementAndGet();
            lastHandled = System.nanoTime();
        }
    }
}
