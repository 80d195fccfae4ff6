package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * A consumer much slower than the visibility timeout allows for a whole prefetch: messages are
 * leased only when the handler asks for them, so none expires while waiting and none is
 * delivered twice.
 */
class SlowConsumerTest {

    static final int MESSAGES = 12;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Worker.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "slow_consumer_test")
            .overrideConfigKey("mp.messaging.outgoing.to-slow.queue", "slow")
            // 12 messages x 300 ms = 3.6 s of work, twice the visibility timeout
            .overrideConfigKey("mp.messaging.incoming.slow.visibility-timeout", "1800ms")
            .overrideConfigKey("mp.messaging.incoming.slow.poll-interval", "200ms")
            // no heartbeat: only leasing on demand can keep the waiting messages from expiring
            .overrideConfigKey("mp.messaging.incoming.slow.max-lease-duration", "1800ms");

    @Inject
    Worker worker;

    @Test
    void noMessageExpiresWhileWaitingForTheHandler() {
        for (int i = 0; i < MESSAGES; i++) {
            worker.send(i);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> worker.deliveries().size() >= MESSAGES);
        // leave time for a wrongly expired lease to show up as a second delivery
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
        List<Integer> attempts = worker.deliveries();
        assertEquals(MESSAGES, attempts.size(), "deliveries: " + attempts);
        assertEquals(List.of(1), attempts.stream().distinct().toList(), "every delivery is a first attempt");
    }

    @ApplicationScoped
    static class Worker {
        final List<Integer> deliveries = new CopyOnWriteArrayList<>();

        @Inject
        @Channel("to-slow")
        Emitter<Integer> out;

        void send(int job) {
            out.send(job);
        }

        List<Integer> deliveries() {
            return deliveries;
        }

        @Incoming("slow")
        @Blocking
        void work(int job, IncomingQueueMetadata metadata) throws InterruptedException {
            deliveries.add(metadata.attempt());
            Thread.sleep(300);
        }
    }
}
