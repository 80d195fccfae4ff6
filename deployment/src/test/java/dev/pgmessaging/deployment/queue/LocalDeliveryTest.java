package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * Local delivery: a message this application sends to the queue of one of its idle consumers is
 * stored already leased to that consumer, in the send's statement, and handed over once committed,
 * without a claim; a consumer never holds more than its prefetch that way, a retry that comes due
 * meanwhile is still found by the poll, a failed send gives back the room it reserved, and with
 * competing consumers here and a claimer elsewhere every message is delivered exactly once.
 */
class LocalDeliveryTest {

    static final String SCHEMA = "local_delivery_test";
    static final Duration VISIBILITY = Duration.ofMinutes(7);

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-held.queue", "held")
            .overrideConfigKey("mp.messaging.incoming.held.visibility-timeout", VISIBILITY.toString())
            .overrideConfigKey("mp.messaging.incoming.held.prefetch", "2")
            .overrideConfigKey("mp.messaging.outgoing.to-race.queue", "race")
            .overrideConfigKey("mp.messaging.incoming.race-a.queue", "race")
            .overrideConfigKey("mp.messaging.incoming.race-b.queue", "race")
            .overrideConfigKey("mp.messaging.incoming.race-a.prefetch", "8")
            .overrideConfigKey("mp.messaging.incoming.race-b.prefetch", "8")
            .overrideConfigKey("mp.messaging.outgoing.to-steady.queue", "steady")
            .overrideConfigKey("mp.messaging.incoming.steady.retry-initial-delay", "100ms")
            .overrideConfigKey("mp.messaging.incoming.steady.poll-interval", "1s")
            .overrideConfigKey("mp.messaging.outgoing.to-lone.queue", "lone")
            .overrideConfigKey("mp.messaging.incoming.lone.prefetch", "1");

    @Inject
    Consumers consumers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aMessageSentToAnIdleConsumerIsLeasedToItByTheSendItself() {
        awaitIdle();
        consumers.sendHeld("handed over");
        await().atMost(Duration.ofSeconds(10)).until(() -> consumers.received("handed over") == 1);
        // a claim leases for the visibility timeout from its own start, later than the send's;
        // only the send's own lease starts exactly when the message was enqueued
        assertEquals(1, Rows.queryLong(dataSource, "SELECT (visible_at - enqueued_at = interval '7 minutes')::int"
                + " FROM \"" + SCHEMA + "\".queue_message WHERE queue = 'held' AND payload = convert_to(?, 'UTF8')",
                "handed over"));
        assertEquals(1, Rows.queryLong(dataSource, "SELECT attempts FROM \"" + SCHEMA + "\".queue_message"
                + " WHERE queue = 'held' AND payload = convert_to(?, 'UTF8')", "handed over"));
        consumers.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "held") == 0);
    }

    @Test
    void anIdleConsumerIsHandedNoMoreThanItsPrefetch() {
        awaitIdle();
        IntStream.range(0, 5).forEach(i -> consumers.sendHeld("burst " + i));
        await().atMost(Duration.ofSeconds(10)).until(() -> leased("held") == 2);
        assertEquals(2, Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + SCHEMA + "\".queue_message WHERE queue = ?"
                + " AND lease_token IS NOT NULL AND visible_at - enqueued_at = interval '7 minutes'", "held"),
                "both leased by the sends");
        // the other three wait unleased while both handlers hold theirs
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> leased("held") == 2
                && Rows.count(dataSource, SCHEMA, "held") == 5);
        consumers.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "held") == 0);
        IntStream.range(0, 5).forEach(i -> assertEquals(1, consumers.received("burst " + i), "burst " + i));
    }

    @Test
    void theSendReturnsItsLeasedMessagesWithTheirOwnIds() throws SQLException {
        QueueStore store = new QueueStore(SCHEMA);
        List<NewMessage> batch = new ArrayList<>();
        boolean[] leased = new boolean[8];
        for (int i = 0; i < leased.length; i++) {
            batch.add(new NewMessage("mixed", null, "text/plain", null, ("m" + i).getBytes(StandardCharsets.UTF_8)));
            leased[i] = i % 3 != 1;
        }
        List<ClaimedMessage> delivered;
        try (Connection connection = dataSource.getConnection()) {
            delivered = store.send(connection, batch, leased, VISIBILITY, Duration.ofMinutes(5), true, null);
        }
        List<String> expected = IntStream.range(0, leased.length).filter(i -> leased[i]).mapToObj(i -> "m" + i).toList();
        assertEquals(expected, delivered.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList());
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT payload, lease_token, attempts,"
                        + " visible_at > now() + interval '6 minutes' FROM \"" + SCHEMA + "\".queue_message WHERE id = ?")) {
            for (ClaimedMessage message : delivered) {
                statement.setLong(1, message.id());
                try (ResultSet rs = statement.executeQuery()) {
                    assertTrue(rs.next());
                    assertArrayEquals(message.payload(), rs.getBytes(1), "the row of id " + message.id());
                    assertEquals(message.leaseToken(), rs.getLong(2));
                    assertEquals(1, rs.getInt(3));
                    assertTrue(rs.getBoolean(4), "leased for the visibility timeout");
                }
            }
        }
        assertEquals(1, delivered.stream().mapToLong(ClaimedMessage::leaseToken).distinct().count(), "one token per send");
        assertEquals(leased.length - expected.size(), Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + SCHEMA
                + "\".queue_message WHERE queue = ? AND lease_token IS NULL AND visible_at <= now()", "mixed"));
    }

    @Test
    void competingConsumersHereAndAClaimerElsewhereGetEveryMessageOnce() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        Map<String, AtomicInteger> elsewhere = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> claimerFailure = new AtomicReference<>();
        Thread claimer = new Thread(() -> {
            while (running.get()) {
                try {
                    List<ClaimedMessage> claimed = store.claim(dataSource, "race", 4, Duration.ofMinutes(5), null, false, "");
                    if (claimed.isEmpty()) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // another instance's pace, not a wait
                    }
                    claimed.forEach(m -> elsewhere.computeIfAbsent(new String(m.payload(), StandardCharsets.UTF_8),
                            p -> new AtomicInteger()).incrementAndGet());
                    if (!claimed.isEmpty()) {
                        store.ack(dataSource, claimed.stream().mapToLong(ClaimedMessage::id).toArray(),
                                claimed.stream().mapToLong(ClaimedMessage::leaseToken).toArray(), false);
                    }
                } catch (SQLException | RuntimeException e) {
                    claimerFailure.set(e);
                    return;
                }
            }
        });
        claimer.start();
        int rounds = 100;
        int perRound = 20;
        try {
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < perRound; i++) {
                    consumers.sendRace("r" + round + "-" + i);
                }
                // the consumers here go idle between rounds: each round starts with local deliveries
                int sent = (round + 1) * perRound;
                await().atMost(Duration.ofSeconds(30)).until(() -> consumers.raceDeliveries() + total(elsewhere) >= sent);
            }
        } finally {
            running.set(false);
            claimer.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertNull(claimerFailure.get(), "the claimer elsewhere failed");
        await().atMost(Duration.ofSeconds(30)).until(() -> Rows.count(dataSource, SCHEMA, "race") == 0);
        Map<String, Integer> all = new ConcurrentHashMap<>();
        consumers.race().forEach((payload, count) -> all.merge(payload, count.get(), Integer::sum));
        elsewhere.forEach((payload, count) -> all.merge(payload, count.get(), Integer::sum));
        assertEquals(rounds * perRound, all.size(), "distinct messages delivered");
        assertTrue(all.values().stream().allMatch(n -> n == 1), "a message was delivered twice");
        System.out.printf("race: %d delivered here, %d claimed elsewhere%n", consumers.raceDeliveries(), total(elsewhere));
        assertTrue(consumers.raceDeliveries() > 0, "the consumers here took part");
    }

    @Test
    void aRetryIsFoundByThePollWhileSendsKeepBeingHandedOver() {
        consumers.sendSteady("fail once");
        // one send every 50 ms, each handed to the idle consumer, until the retry came through: the
        // handed messages must not keep putting off the poll that finds the retry once it is due
        AtomicInteger ticks = new AtomicInteger();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
            consumers.sendSteady("tick " + ticks.incrementAndGet());
            return consumers.received("fail once") == 2;
        });
    }

    @Test
    void aFailedSendGivesBackTheRoomItReservedInTheConsumer() throws Exception {
        consumers.sendLone("before").toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumers.received("before") == 1
                && Rows.count(dataSource, SCHEMA, "lone") == 0);
        String refuse = "\"" + SCHEMA + "\".refuse_boom";
        Rows.execute(dataSource, "CREATE FUNCTION " + refuse + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF NEW.payload = convert_to('boom', 'UTF8') THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$");
        Rows.execute(dataSource, "CREATE TRIGGER refuse_boom BEFORE INSERT ON \"" + SCHEMA + "\".queue_message FOR EACH ROW EXECUTE FUNCTION "
                + refuse + "()");
        try {
            // the idle consumer's only place (prefetch 1) is reserved for the send, which fails
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> consumers.sendLone("boom").toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(failed.getCause().getMessage()).contains("refused"), failed.getCause().toString());
        } finally {
            Rows.execute(dataSource, "DROP TRIGGER refuse_boom ON \"" + SCHEMA + "\".queue_message");
        }
        // the place is free again: the next message is delivered, handed over or claimed
        consumers.sendLone("after");
        await().atMost(Duration.ofSeconds(10)).until(() -> consumers.received("after") == 1);
        assertEquals(0, consumers.received("boom"));
    }


    private static int total(Map<String, AtomicInteger> counts) {
        return counts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /**
     * Waits until a warm-up message was handled and acked: the channel then offers room to the
     * producers (its last claim found the queue empty, and no claim is due).
     */
    private void awaitIdle() {
        String warmUp = "warm-up " + System.nanoTime();
        consumers.release();
        consumers.sendHeld(warmUp);
        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.received(warmUp) == 1
                && Rows.count(dataSource, SCHEMA, "held") == 0);
        consumers.hold();
    }

    private long leased(String queue) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + SCHEMA + "\".queue_message WHERE queue = ?"
                + " AND lease_token IS NOT NULL", queue);
    }

    @ApplicationScoped
    static class Consumers {
        final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> race = new ConcurrentHashMap<>();
        final AtomicInteger raceDeliveries = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Inject
        @Channel("to-held")
        Emitter<String> toHeld;
        @Inject
        @Channel("to-race")
        Emitter<String> toRace;
        @Inject
        @Channel("to-steady")
        Emitter<String> toSteady;
        @Inject
        @Channel("to-lone")
        Emitter<String> toLone;

        // beans are reached through their client proxy: their fields only through methods
        void sendHeld(String payload) {
            toHeld.send(payload);
        }

        void sendRace(String payload) {
            toRace.send(payload);
        }

        void sendSteady(String payload) {
            toSteady.send(payload);
        }

        CompletionStage<Void> sendLone(String payload) {
            return toLone.send(payload);
        }

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        int received(String payload) {
            AtomicInteger count = received.get(payload);
            return count == null ? 0 : count.get();
        }

        Map<String, AtomicInteger> race() {
            return race;
        }

        int raceDeliveries() {
            return raceDeliveries.get();
        }

        @Incoming("held")
        @Blocking(ordered = false)
        void held(String payload) throws InterruptedException {
            received.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
            if (!payload.startsWith("warm-up")) {
                gate.await(30, TimeUnit.SECONDS);
            }
        }

        @Incoming("steady")
        void steady(String payload) {
            int seen = received.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
            if (payload.equals("fail once") && seen == 1) {
                throw new IllegalStateException("first attempt fails");
            }
        }

        @Incoming("lone")
        void lone(String payload) {
            received.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
        }

        @Incoming("race-a")
        void raceA(String payload) {
            race.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
            raceDeliveries.incrementAndGet();
        }

        @Incoming("race-b")
        void raceB(String payload) {
            race.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
            raceDeliveries.incrementAndGet();
        }
    }
}
