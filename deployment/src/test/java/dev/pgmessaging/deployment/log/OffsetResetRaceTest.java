package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.ConsumerGroupInfo;
import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.PartitionLag;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.SeekTo;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A group's offsets reset while its two members run, on their own connections, and a producer
 * appends: reset to the earliest record, every record appended before the reset is handled again
 * after it; reset to the latest record over a backlog, the members skip the backlog within a
 * heartbeat or two, and from then on no record older than the reset reaches them, and each later one
 * once. Either way none is lost, and the members' commits made under their old position never
 * overwrite the reset (the group ends committed at the log end).
 */
class OffsetResetRaceTest {

    static final String SCHEMA = "offset_reset_race_test";
    static final int PARTITIONS = 4;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Auditors.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.ledger-out.topic", "ledger")
            .overrideConfigKey("mp.messaging.outgoing.ledger-out.partitions", String.valueOf(PARTITIONS))
            .overrideConfigKey("mp.messaging.incoming.audit-a.topic", "ledger")
            .overrideConfigKey("mp.messaging.incoming.audit-a.partitions", String.valueOf(PARTITIONS))
            .overrideConfigKey("mp.messaging.incoming.audit-a.group.id", "auditors")
            .overrideConfigKey("mp.messaging.incoming.audit-a.session-timeout", "1500ms")
            .overrideConfigKey("mp.messaging.incoming.audit-b.topic", "ledger")
            .overrideConfigKey("mp.messaging.incoming.audit-b.partitions", String.valueOf(PARTITIONS))
            .overrideConfigKey("mp.messaging.incoming.audit-b.group.id", "auditors")
            .overrideConfigKey("mp.messaging.incoming.audit-b.session-timeout", "1500ms");

    @Inject
    Auditors auditors;
    @Inject
    PostgresMessaging messaging;

    @Test
    void resetToEarliestWhileMembersRunReplaysEverything() {
        for (int i = 0; i < 2_000; i++) {
            auditors.send("e" + i, "k" + (i % 50));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> handled("e", "e") >= 1_000);
        // more records keep coming while the reset happens
        Thread producer = new Thread(() -> {
            for (int i = 0; i < 1_000; i++) {
                auditors.send("f" + i, "k" + (i % 50));
            }
        });
        producer.start();
        Map<Integer, Long> moved = messaging.seek("auditors", "ledger", null, SeekTo.earliest());
        auditors.markReset();
        assertEquals(PARTITIONS, moved.size());

        await().atMost(Duration.ofSeconds(60)).until(() -> caughtUp() && handled("e", "f") == 3_000);
        for (int i = 0; i < 2_000; i++) {
            assertTrue(auditors.afterReset().containsKey("e" + i), "e" + i + " handled again after the reset");
        }
        assertEquals(3_000, handled("e", "f"), "none lost");
    }

    @Test
    void resetToLatestWhileMembersRunSkipsTheBacklog() {
        auditors.slow(true);
        for (int i = 0; i < 3_000; i++) {
            auditors.send("g" + i, "k" + (i % 50));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> auditors.handled().keySet().stream().anyMatch(k -> k.startsWith("g")));
        Map<Integer, Long> moved = messaging.seek("auditors", "ledger", null, SeekTo.latest());
        // the members learn of it at their next heartbeat (a third of the session timeout), drop what
        // they read ahead under their old position, and find nothing after the latest record
        await().atMost(Duration.ofSeconds(20)).until(() -> auditors.quietFor(Duration.ofMillis(1500)));
        auditors.slow(false);
        auditors.markReset();
        for (int i = 0; i < 500; i++) {
            auditors.send("h" + i, "k" + (i % 50));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> caughtUp()
                && auditors.afterReset().keySet().stream().filter(k -> k.startsWith("h")).count() == 500);
        assertEquals(List.of(), auditors.afterReset().keySet().stream().filter(k -> k.startsWith("g")).toList(),
                "no record of the skipped backlog once the members moved");
        long backlogHandled = auditors.handled().keySet().stream().filter(k -> k.startsWith("g")).count();
        assertTrue(backlogHandled < 3_000, "the backlog was skipped: " + backlogHandled + " of 3,000 handled");
        assertTrue(moved.values().stream().mapToLong(Long::longValue).sum() > 0);
        assertEquals(List.of(), auditors.afterReset().entrySet().stream().filter(e -> e.getValue().size() != 1)
                .map(Map.Entry::getKey).toList(), "each record after the reset handled once");
    }

    /** The group committed up to the log end on every partition. */
    private boolean caughtUp() {
        ConsumerGroupInfo group = messaging.group(PostgresMessaging.DEFAULT_DATASOURCE, "auditors", "ledger");
        return group.partitions().stream().allMatch(p -> p.committedOffset() != null && p.lag() == 0)
                && group.partitions().stream().mapToLong(PartitionLag::logEndOffset).sum() == auditors.sent();
    }

    /** How many distinct records whose names start with either prefix were handled. */
    private long handled(String prefix, String other) {
        return auditors.handled().keySet().stream().filter(k -> k.startsWith(prefix) || k.startsWith(other)).count();
    }

    @ApplicationScoped
    static class Auditors {
        final Map<String, AtomicBoolean> handled = new ConcurrentHashMap<>();
        final Map<String, List<Long>> afterReset = new ConcurrentHashMap<>();
        volatile boolean reset;
        volatile boolean slow;
        volatile long lastHandled = System.nanoTime();
        final java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();

        @Inject
        @Channel("ledger-out")
        Emitter<String> out;

        void send(String record, String key) {
            out.send(org.eclipse.microprofile.reactive.messaging.Message.of(record).addMetadata(
                    dev.pgmessaging.runtime.api.OutgoingLogMetadata.builder().withKey(key).build()));
            sent.incrementAndGet();
        }

        int sent() {
            return sent.get();
        }

        void markReset() {
            afterReset.clear();
            reset = true;
        }

        void slow(boolean slow) {
            this.slow = slow;
        }

        /** Whether no record was handled for this long (the members dropped their read-ahead). */
        boolean quietFor(Duration duration) {
            return System.nanoTime() - lastHandled > duration.toNanos();
        }

        Map<String, AtomicBoolean> handled() {
            return handled;
        }

        Map<String, List<Long>> afterReset() {
            return afterReset;
        }

        @Incoming("audit-a")
        void a(String record, IncomingLogMetadata<String> metadata) throws InterruptedException {
            handle(record, metadata);
        }

        @Incoming("audit-b")
        void b(String record, IncomingLogMetadata<String> metadata) throws InterruptedException {
            handle(record, metadata);
        }

        private void handle(String record, IncomingLogMetadata<String> metadata) throws InterruptedException {
            if (slow) {
                Thread.sleep(20);
            }
            handled.computeIfAbsent(record, r -> new AtomicBoolean()).set(true);
            if (reset) {
                afterReset.computeIfAbsent(record, r -> new CopyOnWriteArrayList<>()).add(metadata.getOffset());
            }
            lastHandled = System.nanoTime();
        }
    }
}
