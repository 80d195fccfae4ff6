package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * A handler that runs far longer than the visibility timeout keeps its message (the lease is
 * renewed while it runs); past max-lease-duration the lease expires and the message is
 * delivered again, and the late ack of the first delivery cannot remove it.
 */
class LeaseHeartbeatTest {

    static final String SCHEMA = "lease_heartbeat_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handlers.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-long.queue", "long")
            .overrideConfigKey("mp.messaging.incoming.long.visibility-timeout", "1s")
            .overrideConfigKey("mp.messaging.incoming.long.poll-interval", "100ms")
            .overrideConfigKey("mp.messaging.outgoing.to-capped.queue", "capped")
            .overrideConfigKey("mp.messaging.incoming.capped.visibility-timeout", "1s")
            .overrideConfigKey("mp.messaging.incoming.capped.max-lease-duration", "2s")
            .overrideConfigKey("mp.messaging.incoming.capped.poll-interval", "100ms");

    @Inject
    Handlers handlers;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void runningHandlerKeepsItsMessage() {
        handlers.send("to-long", "slow work");
        // 4 s of work with a 1 s visibility timeout: renewed, never delivered again
        await().atMost(Duration.ofSeconds(30)).until(() -> handlers.finished("long") == 1
                && Rows.count(dataSource, SCHEMA, "long") == 0);
        assertEquals(List.of(1), handlers.attempts("long"));
    }

    @Test
    void leaseExpiresPastTheCap() {
        handlers.send("to-capped", "hung work");
        // attempt 1 runs 4 s, past the 2 s cap: attempt 2 comes while it still runs
        await().atMost(Duration.ofSeconds(30)).until(() -> handlers.finished("capped") == 2);
        assertEquals(List.of(1, 2), handlers.attempts("capped"));
        // attempt 2 acked it; attempt 1's ack came later and was fenced off
        await().atMost(Duration.ofSeconds(10)).until(() -> Rows.count(dataSource, SCHEMA, "capped") == 0);
    }

    @ApplicationScoped
    static class Handlers {
        final Map<String, List<Integer>> attempts = new ConcurrentHashMap<>();
        final Map<String, Integer> finished = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-long")
        Emitter<String> toLong;
        @Inject
        @Channel("to-capped")
        Emitter<String> toCapped;

        void send(String channel, String payload) {
            (channel.equals("to-long") ? toLong : toCapped).send(payload);
        }

        List<Integer> attempts(String channel) {
            return attempts.getOrDefault(channel, List.of());
        }

        int finished(String channel) {
            return finished.getOrDefault(channel, 0);
        }

        private void work(String channel, IncomingQueueMetadata metadata, long millis) throws InterruptedException {
            attempts.computeIfAbsent(channel, k -> new CopyOnWriteArrayList<>()).add(metadata.attempt());
            Thread.sleep(millis);
            finished.merge(channel, 1, Integer::sum);
        }

        @Incoming("long")
        @Blocking(ordered = false)
        void longWork(String payload, IncomingQueueMetadata metadata) throws InterruptedException {
            work("long", metadata, 4000);
        }

        @Incoming("capped")
        @Blocking(ordered = false)
        void cappedWork(String payload, IncomingQueueMetadata metadata) throws InterruptedException {
            work("capped", metadata, metadata.attempt() == 1 ? 4000 : 10);
        }
    }
}
