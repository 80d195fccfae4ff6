package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.deployment.ChannelHealth;
import dev.pgmessaging.runtime.PostgresConnector;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * A channel stopped by the fail strategy stays unhealthy when a claim that was running at that
 * moment returns afterwards (the claim is held up with a lock on a slot it reads).
 */
class FailStopDuringClaimTest {

    static final String SCHEMA = "fail_stop_during_claim_test";
    static final String CLAIM_WAITING = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            + " AND query LIKE '%claim_messages%'";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Handler.class, Rows.class, ChannelHealth.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF")
            .overrideConfigKey("mp.messaging.outgoing.to-jobs.queue", "jobs")
            .overrideConfigKey("mp.messaging.incoming.jobs.failure-strategy", "fail")
            .overrideConfigKey("mp.messaging.incoming.jobs.poll-interval", "100ms");

    @Inject
    Handler handler;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    @Connector("postgres")
    PostgresConnector connector;

    @Test
    void aClaimThatReturnsAfterTheStopLeavesTheChannelUnhealthy() throws Exception {
        try (Connection locker = dataSource.getConnection()) {
            locker.setAutoCommit(false);
            // a slot other than the current one: claims read every slot and wait for it, inserts go to the current one
            long current = Rows.queryLong(dataSource, "SELECT \"" + SCHEMA + "\".current_queue_slot()");
            try (Statement statement = locker.createStatement()) {
                statement.execute("LOCK TABLE \"" + SCHEMA + "\".queue_message_s" + (current + 1) % 3 + " IN EXCLUSIVE MODE");
            }
            // delivered locally (no claim); its handler fails once a claim is waiting for the lock
            handler.send("d");
            await().atMost(Duration.ofSeconds(20)).until(() -> !readiness());
            locker.commit();
        }
        // the claim returned the other message and the channel gave it back
        await().atMost(Duration.ofSeconds(20)).until(() -> Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + SCHEMA
                + "\".queue_message WHERE queue = ? AND lease_token IS NULL AND attempts = 1", "jobs") == 2);
        assertFalse(readiness(), "a channel stopped by the fail strategy reported itself healthy again");
    }

    private boolean readiness() {
        return ChannelHealth.ready(connector, "jobs");
    }

    @ApplicationScoped
    static class Handler {

        @Inject
        @Channel("to-jobs")
        Emitter<String> toJobs;
        @Inject
        AgroalDataSource dataSource;

        void send(String payload) {
            toJobs.send(payload);
        }

        @Incoming("jobs")
        @Blocking
        public void handle(String payload) {
            // another message, which the poll finds: the channel claims it and waits for the lock
            Rows.execute(dataSource, "INSERT INTO \"" + SCHEMA + "\".queue_message (queue, payload) VALUES ('jobs', 'x')");
            await().atMost(Duration.ofSeconds(20)).until(() -> Rows.queryLong(dataSource, CLAIM_WAITING) == 1);
            throw new IllegalStateException("handler refused " + payload);
        }
    }
}
