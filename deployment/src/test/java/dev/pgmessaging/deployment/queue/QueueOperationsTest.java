package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.api.MessageSelection;
import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.QueueInfo;
import dev.pgmessaging.runtime.api.QueuedMessage;
import dev.pgmessaging.runtime.api.UnknownNameException;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The admin API on queues: counts by state, paged peeks, redrive of dead letters (the message keeps
 * its id and is delivered again from attempt 1), move, delete by header and purge.
 */
class QueueOperationsTest {

    static final String SCHEMA = "queue_operations_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Jobs.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-work.queue", "work")
            .overrideConfigKey("mp.messaging.outgoing.to-parked.queue", "parked")
            .overrideConfigKey("mp.messaging.incoming.work.queue", "work")
            .overrideConfigKey("mp.messaging.incoming.work.max-attempts", "1")
            .overrideConfigKey("mp.messaging.incoming.work.dead-letter-queue", "work.failed")
            .overrideConfigKey("mp.messaging.incoming.work.poll-interval", "200ms")
            .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF");

    @Inject
    Jobs jobs;
    @Inject
    PostgresMessaging messaging;

    @Test
    void countPeekRedriveMoveDeletePurge() {
        // dead letters: the handler fails every job until told otherwise
        for (int i = 0; i < 6; i++) {
            jobs.work().send("job-" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> depth("work.failed") == 6);
        QueueInfo work = queue("work");
        assertEquals("work.failed", work.deadLetterQueue(), "the channel's dead-letter queue");
        assertEquals(6, work.deadLettered());
        assertEquals(0, work.total());
        assertNull(work.oldestReady(), "none ready");
        assertNull(queue("work.failed").deadLetterQueue(), "a dead-letter queue has none of its own");

        // ready and delayed messages of a queue nobody consumes
        for (int i = 0; i < 9; i++) {
            jobs.parked().send(Message.of("parked-" + i).addMetadata(OutgoingQueueMetadata.builder()
                    .withHeaders(Map.of("kind", i % 3 == 0 ? "bad" : "good")).build()));
        }
        jobs.parked().send(Message.of("later").addMetadata(OutgoingQueueMetadata.builder().withDelay(Duration.ofHours(1)).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> queue("parked").total() == 10);
        QueueInfo parked = queue("parked");
        assertEquals(9, parked.ready());
        assertEquals(1, parked.delayed());
        assertEquals(0, parked.inFlight());
        assertNotNull(parked.oldestReady());
        assertEquals("parked.dlq", parked.deadLetterQueue(), "no channel consumes it: the default name");

        // a peek pages through in id order, and reads the dead letters' reasons
        List<QueuedMessage> all = new ArrayList<>();
        long after = 0;
        List<QueuedMessage> page;
        do {
            page = messaging.peek("parked", after, 4);
            assertTrue(page.size() <= 4);
            all.addAll(page);
            after = page.isEmpty() ? after : page.get(page.size() - 1).id();
        } while (!page.isEmpty());
        assertEquals(10, all.size());
        assertEquals(all.stream().map(QueuedMessage::id).sorted().toList(), all.stream().map(QueuedMessage::id).toList());
        assertEquals("parked-0", all.get(0).payload());
        assertEquals("later", all.get(9).payload());
        assertTrue(all.get(9).visibleAt().isAfter(all.get(0).visibleAt()));
        List<QueuedMessage> letters = messaging.peek("work.failed", 0, 100);
        assertEquals(6, letters.size());
        QueuedMessage letter = letters.get(0);
        assertEquals("work", letter.deadLetteredFrom());
        assertTrue(letter.lastError().contains("no luck"), letter.lastError());
        assertEquals(5, messaging.peek(PostgresMessaging.DEFAULT_DATASOURCE, "work.failed", 0, 100, 5).get(0).payload().length(),
                "the payload cut at the size asked for");

        // redrive one by id, then the rest: each comes back once, from attempt 1, with its id
        jobs.succeed();
        assertEquals(Map.of("work", 1), messaging.redrive("work.failed", MessageSelection.ids(letter.id())));
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.handled().size() == 1);
        assertEquals(Set.of(letter.id()), jobs.handled().keySet());
        assertEquals(1, jobs.handled().get(letter.id()).attempt(), "attempts count from zero again");
        assertEquals("1", jobs.handled().get(letter.id()).headers().get("redrive-count"));
        assertNull(jobs.handled().get(letter.id()).headers().get("dead-letter-reason"), "the dead-letter headers are gone");
        assertEquals(Map.of("work", 5), messaging.redrive("work.failed", MessageSelection.all()));
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.handled().size() == 6);
        assertEquals(letters.stream().map(QueuedMessage::id).collect(Collectors.toSet()), jobs.handled().keySet());
        assertEquals(0, depth("work.failed"));
        assertEquals(Map.of(), messaging.redrive("work.failed", MessageSelection.all()), "nothing left to redrive");

        // move by header, delete by header, purge
        assertEquals(3, messaging.delete(PostgresMessaging.DEFAULT_DATASOURCE, "parked",
                MessageSelection.withHeaders(Map.of("kind", "bad"))));
        assertEquals(2, messaging.move(PostgresMessaging.DEFAULT_DATASOURCE, "parked", "parked-elsewhere",
                MessageSelection.ids(all.get(1).id(), all.get(2).id())));
        assertEquals(2, queue("parked-elsewhere").ready());
        QueueInfo afterMove = queue("parked");
        assertEquals(4, afterMove.ready());
        assertEquals(1, afterMove.delayed(), "the delayed message stays delayed");
        assertEquals(5, messaging.delete(PostgresMessaging.DEFAULT_DATASOURCE, "parked", MessageSelection.all()));
        assertEquals(0, queue("parked").total());
    }

    @Test
    void anUnknownDataSourceIsNamed() {
        assertEquals("PGMSG1010: No postgres channel of this application uses datasource elsewhere",
                assertThrows(UnknownNameException.class, () -> messaging.queues("elsewhere")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> messaging.peek("work", 0, 0), "a peek of 0 messages");
    }

    private QueueInfo queue(String name) {
        return messaging.queues().stream().filter(q -> q.name().equals(name)).findFirst()
                .orElse(new QueueInfo(name, 0, 0, 0, null, 0, null));
    }

    private long depth(String name) {
        return queue(name).total();
    }

    @ApplicationScoped
    static class Jobs {
        volatile boolean fail = true;
        final Map<Long, IncomingQueueMetadata> handled = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-work")
        Emitter<String> work;
        @Inject
        @Channel("to-parked")
        Emitter<String> parked;

        Emitter<String> work() {
            return work;
        }

        Emitter<String> parked() {
            return parked;
        }

        void succeed() {
            fail = false;
        }

        Map<Long, IncomingQueueMetadata> handled() {
            return handled;
        }

        @Incoming("work")
        void work(String job, IncomingQueueMetadata metadata) {
            if (fail) {
                throw new IllegalStateException("no luck with " + job);
            }
            assertNull(handled.put(metadata.id(), metadata), "handled twice: " + job);
        }
    }
}
