package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * At a low rate, a topic channel reads each record once: the read that brought it found fewer
 * records than it asked for, so the channel waits for the next append's notification instead of
 * reading the empty end of the log again (nor once more for each record its handler takes).
 */
class LogReadsPerRecordTest {

    static final int RECORDS = 100;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Events.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "log_reads_per_record_test")
            .overrideConfigKey("mp.messaging.outgoing.events-out.topic", "events")
            .overrideConfigKey("mp.messaging.outgoing.events-out.partitions", "1")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.partitions", "1")
            .overrideConfigKey("mp.messaging.incoming.events.group.id", "readers")
            .overrideConfigKey("mp.messaging.incoming.events.auto.offset.reset", "earliest")
            // only the records' own statements in the window: no polls, commits or heartbeats
            .overrideConfigKey("mp.messaging.incoming.events.poll-interval", "1m")
            .overrideConfigKey("mp.messaging.incoming.events.commit-interval", "1m")
            .overrideConfigKey("mp.messaging.incoming.events.session-timeout", "3m");

    @Inject
    Events events;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void eachRecordSentAloneCostsItsAppendAndOneRead() throws Exception {
        exchange(5); // warm-up: the group joined, the first statements prepared
        settleStatistics();
        long before = Rows.transactions(dataSource);
        exchange(RECORDS);
        settleStatistics();
        // the statistics query itself is one transaction
        double perRecord = (Rows.transactions(dataSource) - before - 1) / (double) RECORDS;
        System.out.printf("%d records sent one at a time: %.2f transactions a record (append and read: 2)%n",
                RECORDS, perRecord);
        assertTrue(perRecord < 2.5, "a record sent alone cost " + perRecord + " transactions (its append and a read"
                + " should be all)");
    }

    /** Sends records one at a time, each once the previous one was received. */
    private void exchange(int count) {
        for (int i = 0; i < count; i++) {
            int expected = events.received() + 1;
            events.send("e" + i);
            await().pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> events.received() == expected);
        }
    }

    /** Gives idle backends the time within which they publish their statistics (10 s since PostgreSQL 15). */
    private static void settleStatistics() {
        await().pollDelay(Duration.ofSeconds(11)).atMost(Duration.ofSeconds(15)).until(() -> true);
    }


    @ApplicationScoped
    static class Events {
        @Inject
        @Channel("events-out")
        Emitter<String> emitter;
        private final AtomicInteger received = new AtomicInteger();

        void send(String event) {
            emitter.send(event);
        }

        @Incoming("events")
        void receive(String event) {
            received.incrementAndGet();
        }

        int received() {
            return received.get();
        }
    }
}
