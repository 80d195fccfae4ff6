package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A delivery whose lease expired and whose message was claimed again cannot ack or nack it any
 * more: only the current delivery settles the message.
 */
class LeaseFencingTest {

    static final String SCHEMA = "lease_fencing_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    @Inject
    AgroalDataSource dataSource;

    @Test
    void onlyTheCurrentDeliverySettlesTheMessage() throws Exception {
        QueueStore store = TestQueues.migrated(dataSource, SCHEMA);
        TestQueues.send(store, dataSource, "jobs", "x");

        // first consumer: a short lease that it lets expire
        ClaimedMessage first = store.claim(dataSource, "jobs", 10, Duration.ofMillis(200), null, false, "").get(0);
        // second consumer: waits until the message is claimable again, then takes it
        ClaimedMessage second = await().atMost(Duration.ofSeconds(10)).until(
                () -> store.claim(dataSource, "jobs", 10, Duration.ofMinutes(5), null, false, ""), claimed -> !claimed.isEmpty()).get(0);
        assertEquals(first.id(), second.id());
        assertEquals(2, second.attempt());
        assertNotEquals(first.leaseToken(), second.leaseToken());

        // the first consumer wakes up late: its ack and nack are no-ops
        assertEquals(0, store.ack(dataSource, new long[] { first.id() }, new long[] { first.leaseToken() }, false));
        assertEquals(0, store.release(dataSource, new long[] { first.id() }, new long[] { first.leaseToken() }, new double[] { 0 }));
        assertEquals(1, Rows.count(dataSource, SCHEMA, "jobs"));
        assertEquals(0, store.claim(dataSource, "jobs", 10, Duration.ofMinutes(5), null, false, "").size(), "still leased to the second");

        // the current delivery acks
        assertEquals(1, store.ack(dataSource, new long[] { second.id() }, new long[] { second.leaseToken() }, false));
        assertEquals(0, Rows.count(dataSource, SCHEMA, "jobs"));
    }
}
