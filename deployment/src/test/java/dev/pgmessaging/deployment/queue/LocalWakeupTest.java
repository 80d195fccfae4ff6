package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * How consumers are woken. A producer of the same application wakes them itself once its write
 * committed, and the listener skips the notification of that write; another instance's
 * notification still wakes them. A consumer handling one message at a time makes one claim per
 * message: an ack alone wakes it to write the ack, not to claim again.
 */
class LocalWakeupTest {

    static final String SCHEMA = "local_wakeup_test";
    static final int ONE_AT_A_TIME = 100;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-jobs.queue", "jobs")
            // nothing but a wake-up can deliver within the tests' time
            .overrideConfigKey("mp.messaging.incoming.jobs.poll-interval", "10m")
            // every message is claimed: an idle consumer is not handed it by the send (LocalDeliveryTest)
            .overrideConfigKey("mp.messaging.incoming.jobs.local-delivery", "false");

    @Inject
    Consumers consumers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aMessageSentHereIsClaimedAtOnceThoughItsNotificationIsSkipped() {
        warmUp();
        consumers.send("from here");
        await().atMost(Duration.ofSeconds(10)).until(() -> consumers.received("from here") > 0);
    }

    @Test
    void aMessageFromAnotherInstanceWakesTheConsumerThroughItsNotification() throws SQLException {
        warmUp();
        QueueStore store = new QueueStore(SCHEMA);
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, List.of(message("jobs", "from elsewhere")), Duration.ofMinutes(5), true);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> consumers.received("from elsewhere") > 0);
    }

    @Test
    void theListenerSkipsTheNotificationsOfItsOwnInstance() throws SQLException {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        Wakeups wakeups = new Wakeups(dataSource, store.notifyChannel(), "test");
        Map<String, AtomicInteger> woken = new ConcurrentHashMap<>();
        for (String queue : List.of("own", "foreign", "plain")) {
            AtomicInteger count = woken.computeIfAbsent(queue, q -> new AtomicInteger());
            wakeups.register(queue, count::incrementAndGet);
        }
        wakeups.start();
        try {
            // every consumer is woken once it listens
            await().atMost(Duration.ofSeconds(10)).until(() -> woken.get("plain").get() == 1);
            try (Connection connection = dataSource.getConnection()) {
                store.send(connection, List.of(message("own", "a")), Duration.ofMinutes(5), true, wakeups.origin());
                store.send(connection, List.of(message("foreign", "b")), Duration.ofMinutes(5), true, "elsewhere");
                store.send(connection, List.of(message("plain", "c")), Duration.ofMinutes(5), true);
            }
            // notifications arrive in commit order: once the last one woke its consumer, the first was read
            await().atMost(Duration.ofSeconds(10)).until(() -> woken.get("plain").get() == 2);
            assertEquals(2, woken.get("foreign").get(), "another instance's notification wakes");
            assertEquals(1, woken.get("own").get(), "this instance's own notification is skipped");
        } finally {
            wakeups.close();
        }
    }

    @Test
    void aConsumerHandlingOneMessageAtATimeClaimsOncePerMessage() throws SQLException {
        warmUp();
        long before = claims();
        for (int i = 0; i < ONE_AT_A_TIME; i++) {
            String payload = "one at a time " + i;
            consumers.send(payload);
            await().atMost(Duration.ofSeconds(10)).until(() -> consumers.received(payload) > 0);
        }
        // a claim woken by the ack, by the handler's next request or by the notification would find
        // nothing: each would add one claim per message
        double perMessage = (claims() - before) / (double) ONE_AT_A_TIME;
        System.out.printf("%.2f claims per message handled one at a time%n", perMessage);
        assertTrue(perMessage < 1.5, perMessage + " claims per message");
    }

    private void warmUp() {
        consumers.send("warm-up");
        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.received("warm-up") > 0);
    }

    private static NewMessage message(String queue, String payload) {
        return new NewMessage(queue, null, "text/plain", null, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** How many claims ran so far: each claim statement takes one lease token, whether it leases anything or not. */
    private long claims() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT last_value FROM " + SCHEMA + ".lease_token_seq")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @ApplicationScoped
    static class Consumers {
        final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-jobs")
        Emitter<String> toJobs;

        void send(String payload) {
            toJobs.send(payload);
        }

        int received(String payload) {
            AtomicInteger count = received.get(payload);
            return count == null ? 0 : count.get();
        }

        @Incoming("jobs")
        void receive(String payload) {
            received.computeIfAbsent(payload, p -> new AtomicInteger()).incrementAndGet();
        }
    }
}
