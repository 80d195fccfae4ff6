package dev.pgmessaging.it.observability;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The connector's meters in {@code /q/metrics} (Prometheus), values asserted: the gauges of the
 * queue "jobs" follow jobs sent while its consumer is paused, handled once it resumes, and
 * dead-lettered; the channel counters and timers count each step, the sends made in the request's
 * transaction included; the gauges of the topic "events" and its group "audit" show the lag of
 * records appended while the group is paused, and none once it has read them; a job sent twice with
 * one deduplication id and a job that expired before a consumer took it are counted.
 */
@QuarkusTest
class MetricsTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    PostgresMessaging messaging;
    @Inject
    Jobs jobs;

    @Test
    void queueGaugesAndChannelCountersFollowTheJobs() {
        Scrape before = settledQueue();
        messaging.pause("jobs");
        try {
            for (int i = 1; i <= 3; i++) {
                given().post("/jobs/metered-" + i).then().statusCode(200);
            }
            await().atMost(WAIT).untilAsserted(() -> {
                Scrape now = Scrape.now();
                assertEquals(3, now.value("pgmessaging_queue_ready", "queue", "jobs"), "ready while paused");
                assertEquals(0, now.value("pgmessaging_queue_in_flight", "queue", "jobs"));
                assertTrue(now.value("pgmessaging_queue_oldest_ready_age_seconds", "queue", "jobs") >= 0.5,
                        "the oldest job has waited");
                assertEquals(3, delta(before, now, "pgmessaging_messages_sent_total", "channel", "jobs-out"),
                        "sent in the requests' transactions");
            });
        } finally {
            messaging.resume("jobs");
        }
        await().atMost(WAIT).until(() -> jobs.isDone("metered-1") && jobs.isDone("metered-2") && jobs.isDone("metered-3"));
        await().atMost(WAIT).untilAsserted(() -> {
            Scrape now = Scrape.now();
            assertEquals(0, now.value("pgmessaging_queue_ready", "queue", "jobs"), "all handled");
            assertEquals(0, now.value("pgmessaging_queue_oldest_ready_age_seconds", "queue", "jobs"));
            assertEquals(3, delta(before, now, "pgmessaging_messages_delivered_total", "channel", "jobs"));
            assertEquals(3, delta(before, now, "pgmessaging_messages_acked_total", "channel", "jobs"));
            assertEquals(0, delta(before, now, "pgmessaging_messages_nacked_total", "channel", "jobs"));
            assertEquals(3, delta(before, now, "pgmessaging_message_handling_seconds_count", "channel", "jobs"));
            assertEquals(3, delta(before, now, "pgmessaging_message_wait_seconds_count", "channel", "jobs"));
            assertTrue(delta(before, now, "pgmessaging_message_wait_seconds_sum", "channel", "jobs") >= 1.0,
                    "they waited while the channel was paused (the oldest half a second at least)");
        });

        // a poisoned job: delivered twice (max-attempts 2), retried once, then dead-lettered
        Scrape beforePoison = Scrape.now();
        given().post("/jobs/poison-metered").then().statusCode(200);
        await().atMost(WAIT).untilAsserted(() -> {
            Scrape now = Scrape.now();
            assertEquals(1, delta(beforePoison, now, "pgmessaging_queue_dead_lettered", "queue", "jobs"),
                    "one more in the dead-letter queue");
            assertEquals(1, delta(beforePoison, now, "pgmessaging_queue_ready", "queue", "jobs.dlq"));
            assertEquals(2, delta(beforePoison, now, "pgmessaging_messages_delivered_total", "channel", "jobs"));
            assertEquals(2, delta(beforePoison, now, "pgmessaging_messages_nacked_total", "channel", "jobs"));
            assertEquals(1, delta(beforePoison, now, "pgmessaging_messages_retried_total", "channel", "jobs"));
            assertEquals(1, delta(beforePoison, now, "pgmessaging_messages_dead_lettered_total", "channel", "jobs"));
            assertEquals(0, delta(beforePoison, now, "pgmessaging_messages_acked_total", "channel", "jobs"));
        });
        Scrape last = Scrape.now();
        assertTrue(last.value("pgmessaging_gauges_refresh_seconds", "datasource", "<default>") >= 0,
                "the refresh says how long it took: " + last);
        assertEquals(0, delta(before, last, "pgmessaging_gauges_refresh_failures_total", "datasource", "<default>"));
    }

    @Test
    void duplicatesAndExpiredJobsAreCounted() {
        Scrape before = settledQueue();
        given().post("/jobs/once-metered/once/order-42").then().statusCode(200);
        given().post("/jobs/once-metered-again/once/order-42").then().statusCode(200);
        await().atMost(WAIT).until(() -> jobs.isDone("once-metered"));
        await().atMost(WAIT).untilAsserted(() -> {
            Scrape now = Scrape.now();
            assertEquals(2, delta(before, now, "pgmessaging_messages_sent_total", "channel", "jobs-out"));
            assertEquals(1, delta(before, now, "pgmessaging_messages_deduplicated_total", "channel", "jobs-out"),
                    "the second send of order-42 was dropped");
            assertEquals(1, delta(before, now, "pgmessaging_messages_delivered_total", "channel", "jobs"));
        });
        assertFalse(jobs.isDone("once-metered-again"));

        // expired before the paused consumer could take it: the next claim takes it out
        Scrape beforeExpiry = Scrape.now();
        messaging.pause("jobs");
        try {
            given().post("/jobs/expired-metered/expiring").then().statusCode(200);
            await().atMost(WAIT).untilAsserted(() -> assertEquals(1,
                    delta(beforeExpiry, Scrape.now(), "pgmessaging_messages_sent_total", "channel", "jobs-out")));
        } finally {
            messaging.resume("jobs");
        }
        await().atMost(WAIT).untilAsserted(() -> {
            Scrape now = Scrape.now();
            assertEquals(1, delta(beforeExpiry, now, "pgmessaging_messages_expired_total", "channel", "jobs"));
            assertEquals(0, now.value("pgmessaging_queue_ready", "queue", "jobs"), "gone from the queue");
            assertEquals(1, delta(beforeExpiry, now, "pgmessaging_queue_ready", "queue", "jobs.dlq"),
                    "dead-lettered (the default expiry strategy)");
        });
        assertEquals(0, delta(beforeExpiry, Scrape.now(), "pgmessaging_messages_delivered_total", "channel", "jobs"));
        assertFalse(jobs.isDone("expired-metered"));
    }

    @Test
    void topicGaugesShowTheGroupsLagUntilItHasReadEverything() {
        await().atMost(WAIT).until(() -> Scrape.now().sum("pgmessaging_group_lag", "topic", "events", "group", "audit") == 0
                && !Double.isNaN(Scrape.now().value("pgmessaging_topic_end_offset", "topic", "events", "partition", "0")));
        Scrape before = Scrape.now();
        messaging.pause("events");
        try {
            for (int i = 1; i <= 4; i++) {
                given().post("/events/metered-" + i).then().statusCode(200);
            }
            await().atMost(WAIT).untilAsserted(() -> {
                Scrape now = Scrape.now();
                assertEquals(4, delta(before, now, "pgmessaging_topic_end_offset", "topic", "events"), "appended");
                assertEquals(4, now.sum("pgmessaging_group_lag", "topic", "events", "group", "audit"), "not read yet");
                assertEquals(0, delta(before, now, "pgmessaging_group_committed_offset", "topic", "events"));
                assertTrue(max(now, "topic", "events") >= 0.5, "the oldest unread record has waited");
            });
        } finally {
            messaging.resume("events");
        }
        await().atMost(WAIT).untilAsserted(() -> {
            Scrape now = Scrape.now();
            assertEquals(0, now.sum("pgmessaging_group_lag", "topic", "events", "group", "audit"), "read");
            assertEquals(4, delta(before, now, "pgmessaging_group_committed_offset", "topic", "events"), "committed");
            assertEquals(0, max(now, "topic", "events"));
            assertEquals(4, delta(before, now, "pgmessaging_messages_delivered_total", "channel", "events"));
            assertEquals(4, delta(before, now, "pgmessaging_messages_acked_total", "channel", "events"));
            assertEquals(4, delta(before, now, "pgmessaging_messages_sent_total", "channel", "events-out"));
        });
    }

    /** A scrape once the queue "jobs" has nothing waiting and its gauges exist. */
    private static Scrape settledQueue() {
        await().atMost(WAIT).until(() -> {
            Scrape now = Scrape.now();
            return now.value("pgmessaging_queue_ready", "queue", "jobs") == 0
                    && now.value("pgmessaging_queue_in_flight", "queue", "jobs") == 0;
        });
        return Scrape.now();
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    private static double max(Scrape scrape, String... labels) {
        double max = 0;
        for (int partition = 0; partition < 2; partition++) {
            String[] withPartition = java.util.Arrays.copyOf(labels, labels.length + 4);
            withPartition[labels.length] = "group";
            withPartition[labels.length + 1] = "audit";
            withPartition[labels.length + 2] = "partition";
            withPartition[labels.length + 3] = String.valueOf(partition);
            max = Math.max(max, scrape.value("pgmessaging_group_oldest_unconsumed_age_seconds", withPartition));
        }
        return max;
    }
}
