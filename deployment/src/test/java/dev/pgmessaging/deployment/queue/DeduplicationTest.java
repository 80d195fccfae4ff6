package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import dev.pgmessaging.runtime.exchange.ExchangeStore;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.MutinyEmitter;

/**
 * A message whose deduplication id was already sent to its queue (or exchange) within the window
 * is dropped at insert, and its send succeeds: across sends, within a batch, across concurrent
 * transactions (a rolled-back one does not use up the id), and until the window ends.
 */
class DeduplicationTest {

    static final String SCHEMA = "deduplication_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Producers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.jobs-out.queue", "jobs")
            .overrideConfigKey("mp.messaging.outgoing.short-out.queue", "short")
            .overrideConfigKey("mp.messaging.outgoing.short-out.deduplication-window", "1s")
            .overrideConfigKey("mp.messaging.outgoing.events-out.exchange", "events")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.type", "fanout")
            // a fanout binding has nothing to set: naming one of its properties declares it
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.bindings.copy-1.x-match", "all")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.bindings.copy-2.x-match", "all");

    @Inject
    Producers producers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aSecondSendOfAnIdWithinTheWindowIsDroppedAndSucceeds() {
        producers.jobs().sendMessageAndAwait(withId("first", "order-1"));
        producers.jobs().sendMessageAndAwait(withId("second", "order-1"));
        producers.jobs().sendMessageAndAwait(Message.of("no id"));
        producers.jobs().sendMessageAndAwait(Message.of("no id"));
        assertEquals(1, rows("jobs", "order-1"));
        assertEquals(1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE dedup_key = 'order-1' AND convert_from(payload, 'UTF8') = ?", "first"),
                "the first message is the one kept");
        assertEquals(2, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE queue = ? AND dedup_key IS NULL", "jobs"), "messages without an id are all kept");
    }

    @Test
    void onlyTheFirstMessageOfAnIdInOneBatchIsKept() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        try (Connection connection = dataSource.getConnection()) {
            assertEquals(1, store.send(connection, List.of(message("batch", "x", "b-1"), message("batch", "y", "b-1"),
                    message("batch", "z", "b-2")), Duration.ofMinutes(5), false), "one dropped as a duplicate");
            assertEquals(2, store.send(connection, List.of(message("batch", "again", "b-1"), message("batch", "w", null),
                    message("batch", "again", "b-2")), Duration.ofMinutes(5), false), "two seen before");
        }
        assertEquals(1, rows("batch", "b-1"));
        assertEquals(1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE dedup_key = 'b-1' AND convert_from(payload, 'UTF8') = ?", "x"));
        assertEquals(1, rows("batch", "b-2"));
    }

    @Test
    void theSameIdIsAcceptedAgainOnceTheWindowHasEnded() throws Exception {
        producers.shortWindow().sendMessageAndAwait(withId("one", "tick"));
        producers.shortWindow().sendMessageAndAwait(withId("dropped", "tick"));
        assertEquals(1, rows("short", "tick"));
        // resend until the one-second window has ended
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            producers.shortWindow().sendMessageAndAwait(withId("again", "tick"));
            return rows("short", "tick") == 2;
        });
        // and the sweeper's statement deletes ids whose window has ended
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            new ExchangeStore(SCHEMA).deleteExpiredDeduplicationIds(dataSource);
            return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".dedup WHERE scope = ?",
                    "queue/short") == 0;
        });
    }

    /**
     * Eight threads send ids drawn from 50, each in a transaction of its own, a third of which roll
     * back: each id that was committed at least once is stored exactly once, and an id used only by
     * rolled-back transactions is not stored (its next send is accepted).
     */
    @Test
    void concurrentTransactionsStoreEachIdOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        java.util.Set<String> committed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        String id = "tx-" + ThreadLocalRandom.current().nextInt(50);
                        boolean fail = ThreadLocalRandom.current().nextInt(3) == 0;
                        try {
                            producers.sendInTransaction(id, fail);
                            committed.add(id);
                        } catch (IllegalStateException rolledBack) {
                            // expected for a third of them
                        }
                    }
                }));
            }
            for (Future<?> sender : senders) {
                sender.get();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 50; i++) {
            String id = "tx-" + i;
            assertEquals(committed.contains(id) ? 1 : 0, rows("jobs", id), id);
        }
        assertThrows(IllegalStateException.class, () -> producers.sendInTransaction("rolled-back", true));
        assertEquals(0, rows("jobs", "rolled-back"));
        producers.sendInTransaction("rolled-back", false);
        assertEquals(1, rows("jobs", "rolled-back"), "a rolled-back send does not use up its id");
    }

    @Test
    void anExchangeDropsADuplicateForEveryBoundQueue() {
        producers.events().sendMessageAndAwait(withId("fan", "event-1"));
        producers.events().sendMessageAndAwait(withId("fan again", "event-1"));
        assertEquals(1, rows("copy-1", "event-1"));
        assertEquals(1, rows("copy-2", "event-1"));
    }

    @Test
    void anExchangeTellsHowManyMessagesItDroppedAsDuplicates() throws Exception {
        producers.events().sendMessageAndAwait(withId("fan", "event-2"));
        List<Integer> dropped = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            new ExchangeStore(SCHEMA).publish(connection, "events", List.of(message(null, "seen", "event-2"),
                    message(null, "new", "event-3"), message(null, "same batch", "event-3"), message(null, "no id", null)),
                    null, Duration.ofMinutes(5), false, null, dropped::add);
        }
        assertEquals(List.of(2), dropped, "one seen before, one twice in the batch: counted once each, not per queue");
        assertEquals(1, rows("copy-1", "event-3"));
    }

    private long rows(String queue, String id) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".queue_message WHERE queue = '" + queue
                + "' AND dedup_key = ?", id);
    }

    private static Message<String> withId(String payload, String id) {
        return Message.of(payload).addMetadata(OutgoingQueueMetadata.builder().withDeduplicationId(id).build());
    }

    private static NewMessage message(String queue, String payload, String id) {
        return new NewMessage(queue, null, null, "text/plain", null, payload.getBytes(StandardCharsets.UTF_8), 0,
                Duration.ZERO, null, null, id);
    }

    @ApplicationScoped
    static class Producers {
        @Inject
        @Channel("jobs-out")
        MutinyEmitter<String> jobs;
        @Inject
        @Channel("short-out")
        MutinyEmitter<String> shortWindow;
        @Inject
        @Channel("events-out")
        MutinyEmitter<String> events;

        // accessors: the test sees this bean through its client proxy, whose own fields are not injected
        MutinyEmitter<String> jobs() {
            return jobs;
        }

        MutinyEmitter<String> shortWindow() {
            return shortWindow;
        }

        MutinyEmitter<String> events() {
            return events;
        }

        @Transactional
        void sendInTransaction(String id, boolean fail) {
            jobs.sendMessageAndAwait(withId(id, id));
            if (fail) {
                throw new IllegalStateException("rolled back");
            }
        }
    }
}
