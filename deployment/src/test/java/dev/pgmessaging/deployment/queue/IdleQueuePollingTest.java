package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Idle queue consumers do not poll one by one: 50 idle channels polling every 100 ms cost the
 * database about one statement per round, not one per channel per round; and the common poll still
 * finds what no notification announces (a delayed message coming due).
 */
class IdleQueuePollingTest {

    static final int QUEUES = 50;
    static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    @RegisterExtension
    static final QuarkusUnitTest app = pollingEvery(POLL_INTERVAL, new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "idle_queue_polling_test")
            .overrideConfigKey("mp.messaging.outgoing.to-idle-17.queue", "idle-17"));

    static QuarkusUnitTest pollingEvery(Duration interval, QuarkusUnitTest test) {
        for (int i = 0; i < QUEUES; i++) {
            test.overrideConfigKey("mp.messaging.incoming.idle-" + i + ".poll-interval", interval.toMillis() + "ms");
        }
        return test;
    }

    @Inject
    Consumers consumers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void idleChannelsCostAboutOneStatementPerPollRound() throws Exception {
        consumers.send("warm-up", OutgoingQueueMetadata.builder().build());
        await().atMost(Duration.ofSeconds(30)).until(() -> consumers.received("warm-up") != null);
        Duration window = Duration.ofSeconds(5);
        long before = Rows.transactions(dataSource);
        long start = System.nanoTime();
        await().pollDelay(window).atMost(window.multipliedBy(2)).until(() -> true);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        double perSecond = (Rows.transactions(dataSource) - before) * 1000.0 / elapsedMillis;
        double pollingOneByOne = QUEUES * 1000.0 / POLL_INTERVAL.toMillis();
        System.out.printf("%d idle queue channels polling every %d ms: %.1f transactions/s (polling one by one: %.0f/s)%n",
                QUEUES, POLL_INTERVAL.toMillis(), perSecond, pollingOneByOne);
        assertTrue(perSecond < pollingOneByOne / 5, "idle channels cost " + perSecond + " transactions/s");
    }

    @Test
    void theCommonPollFindsADelayedMessage() {
        Instant sent = Instant.now();
        // the notification at send time finds nothing visible yet: only the poll can deliver it
        consumers.send("later", OutgoingQueueMetadata.builder().withDelay(Duration.ofSeconds(1)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> consumers.received("later") != null);
        assertTrue(Duration.between(sent, consumers.received("later")).toMillis() >= 900, "delivered before its time");
    }


    @ApplicationScoped
    static class Consumers {
        final Map<String, Instant> received = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-idle-17")
        Emitter<String> toIdle17;

        void send(String payload, OutgoingQueueMetadata metadata) {
            toIdle17.send(Message.of(payload).addMetadata(metadata));
        }

        Instant received(String payload) {
            return received.get(payload);
        }

        @Incoming("idle-0")
        @Incoming("idle-1")
        @Incoming("idle-2")
        @Incoming("idle-3")
        @Incoming("idle-4")
        @Incoming("idle-5")
        @Incoming("idle-6")
        @Incoming("idle-7")
        @Incoming("idle-8")
        @Incoming("idle-9")
        @Incoming("idle-10")
        @Incoming("idle-11")
        @Incoming("idle-12")
        @Incoming("idle-13")
        @Incoming("idle-14")
        @Incoming("idle-15")
        @Incoming("idle-16")
        @Incoming("idle-17")
        @Incoming("idle-18")
        @Incoming("idle-19")
        @Incoming("idle-20")
        @Incoming("idle-21")
        @Incoming("idle-22")
        @Incoming("idle-23")
        @Incoming("idle-24")
        @Incoming("idle-25")
        @Incoming("idle-26")
        @Incoming("idle-27")
        @Incoming("idle-28")
        @Incoming("idle-29")
        @Incoming("idle-30")
        @Incoming("idle-31")
        @Incoming("idle-32")
        @Incoming("idle-33")
        @Incoming("idle-34")
        @Incoming("idle-35")
        @Incoming("idle-36")
        @Incoming("idle-37")
        @Incoming("idle-38")
        @Incoming("idle-39")
        @Incoming("idle-40")
        @Incoming("idle-41")
        @Incoming("idle-42")
        @Incoming("idle-43")
        @Incoming("idle-44")
        @Incoming("idle-45")
        @Incoming("idle-46")
        @Incoming("idle-47")
        @Incoming("idle-48")
        @Incoming("idle-49")
        void receive(String payload) {
            received.put(payload, Instant.now());
        }
    }
}
