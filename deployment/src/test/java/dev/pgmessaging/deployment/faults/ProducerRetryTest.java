package dev.pgmessaging.deployment.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.QueueSink;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A send made outside a transaction survives a database blip, as a Kafka producer's does: while the
 * application's connections are terminated again and again, every send succeeds and every message
 * is written once. A commit whose answer was lost (the connection broke after the server
 * committed) is not written a second time: the producer asks the database whether it committed.
 */
class ProducerRetryTest {

    static final String SCHEMA = "producer_retry_test";
    static final int MESSAGES = 2_000;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Producer.class, Rows.class, TcpProxy.class, ProxiedPool.class, ProxiedChannels.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.orders.queue", "orders");

    @Inject
    Producer producer;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void sendsSucceedWhileTheDatabaseTerminatesTheConnections() throws Exception {
        AtomicBoolean blipping = new AtomicBoolean(true);
        AtomicInteger terminated = new AtomicInteger();
        Thread blips = new Thread(() -> {
            while (blipping.get()) {
                terminated.addAndGet((int) Rows.queryLong(dataSource, "SELECT count(pg_terminate_backend(pid))"
                        + " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        + " AND backend_type = 'client backend'"));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // the pace of the blips
            }
        });
        blips.start();
        List<CompletionStage<Void>> sends = new ArrayList<>();
        try {
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(producer.send("order-" + i));
                if (i % 100 == 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // spread the sends over the blips
                }
            }
            for (CompletionStage<Void> send : sends) {
                send.toCompletableFuture().get(2, TimeUnit.MINUTES); // fails the test if a send failed
            }
        } finally {
            blipping.set(false);
            blips.join();
        }
        assertTrue(terminated.get() > 0, "no connection was terminated");
        assertEquals(MESSAGES, afterTheBlips("SELECT count(*) FROM " + SCHEMA + ".queue_message WHERE queue = 'orders'"),
                "every message written");
        assertEquals(MESSAGES, afterTheBlips("SELECT count(DISTINCT payload) FROM " + SCHEMA
                + ".queue_message WHERE queue = 'orders'"), "and written once");
    }

    /** A query of the test's own: the pool may still hand it a connection the last blip terminated. */
    private long afterTheBlips(String sql) {
        AtomicLong value = new AtomicLong();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            value.set(Rows.queryLong(dataSource, sql));
            return true;
        });
        return value.get();
    }

    @Test
    void aCommitWhoseAnswerWasLostIsNotWrittenAgain() throws Exception {
        Rows.execute(dataSource, "INSERT INTO " + SCHEMA + ".queue (name) VALUES ('lost-answers') ON CONFLICT DO NOTHING");
        try (TcpProxy proxy = ProxiedPool.proxyFor(dataSource);
                AgroalDataSource proxied = ProxiedPool.through(proxy, dataSource)) {
            QueueSink sink = ProxiedChannels.queueProducer(proxied, SCHEMA, "lost-answers", Duration.ofSeconds(30));
            proxy.cutNextCommits(1);
            CompletableFuture<Void> sent = ProxiedChannels.send(sink, "m-1");
            sent.get(30, TimeUnit.SECONDS);
            sink.stop();
            assertEquals(1, proxy.commitsCut(), "the answer of the commit was dropped");
        }
        assertEquals(1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_message WHERE queue = 'lost-answers'"), "the message was written once");
    }

    @ApplicationScoped
    static class Producer {
        @Inject
        @Channel("orders")
        Emitter<String> orders;

        CompletionStage<Void> send(String order) {
            return orders.send(order);
        }
    }
}
