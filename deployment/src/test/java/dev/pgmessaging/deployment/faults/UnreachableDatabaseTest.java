package dev.pgmessaging.deployment.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.log.LogSource;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.queue.IdleQueuePoller;
import dev.pgmessaging.runtime.queue.QueueSink;
import dev.pgmessaging.runtime.queue.QueueSource;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.vertx.core.Vertx;

/**
 * A channel that cannot reach its database says so: its {@code failure()}, which the connector's
 * readiness check reports, names the problem while the server is gone, and clears by itself once
 * the server is back and the channel works again, with nothing restarted. The channel's thread
 * stays alive through it (liveness is not the place for an outage a restart would not cure).
 */
class UnreachableDatabaseTest {

    static final String SCHEMA = "unreachable_database_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(TcpProxy.class, ProxiedPool.class, ProxiedChannels.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.messaging.postgres.schema-management", "none");

    @Inject
    AgroalDataSource dataSource;
    @Inject
    Vertx vertx;

    private final Set<String> consumed = ConcurrentHashMap.newKeySet();

    @Test
    void aTopicChannelIsNotReadyWhileItsDatabaseIsGone() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.createTopic(dataSource, "events", 1, null);
        try (TcpProxy proxy = ProxiedPool.proxyFor(dataSource);
                AgroalDataSource proxied = ProxiedPool.through(proxy, dataSource)) {
            LogSource source = ProxiedChannels.topicConsumer(proxied, store, topic, vertx);
            source.stream().subscribe().with(message -> {
                consumed.add((String) message.getPayload());
                message.ack();
            });
            try {
                ProxiedChannels.append(dataSource, store, topic, "before");
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.contains("before"));
                assertNull(source.failure(), "ready while the database answers");

                proxy.down();
                await().atMost(Duration.ofSeconds(20)).until(() -> source.failure() != null);
                assertTrue(source.isAlive(), "an outage is not a liveness failure");
                ProxiedChannels.append(dataSource, store, topic, "during"); // written past the proxy: the channel cannot see it yet

                proxy.up();
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.contains("during"));
                await().atMost(Duration.ofSeconds(20)).until(() -> source.failure() == null);
            } finally {
                source.stop();
            }
        }
    }

    @Test
    void aQueueChannelIsNotReadyWhileItsDatabaseIsGone() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        QueueStore store = new QueueStore(SCHEMA);
        store.registerQueue(dataSource, "jobs");
        try (TcpProxy proxy = ProxiedPool.proxyFor(dataSource);
                AgroalDataSource proxied = ProxiedPool.through(proxy, dataSource)) {
            IdleQueuePoller poller = new IdleQueuePoller(proxied, store, "test");
            poller.start();
            QueueSource source = ProxiedChannels.queueConsumer(proxied, store, poller, vertx);
            source.stream().subscribe().with(message -> {
                consumed.add((String) message.getPayload());
                message.ack();
            });
            QueueSink sink = ProxiedChannels.queueProducer(proxied, SCHEMA, "jobs", Duration.ofMinutes(1));
            try {
                ProxiedChannels.send(sink, "before").get(20, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.contains("before"));
                assertNull(source.failure(), "ready while the database answers");
                assertNull(sink.failure(), "ready while the database answers");

                proxy.down();
                await().atMost(Duration.ofSeconds(20)).until(() -> source.failure() != null);
                assertTrue(source.isAlive(), "an outage is not a liveness failure");
                // a send waits for the database within its delivery timeout, and says why meanwhile
                CompletableFuture<Void> during = ProxiedChannels.send(sink, "during");
                await().atMost(Duration.ofSeconds(20)).until(() -> sink.failure() != null);
                assertFalse(during.isDone(), "the send gave up while within its delivery timeout");
                assertNotNull(sink.failure());

                proxy.up();
                during.get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.contains("during"));
                await().atMost(Duration.ofSeconds(20)).until(() -> source.failure() == null && sink.failure() == null);
            } finally {
                sink.stop();
                source.stopTakingWork();
                source.stop();
                poller.close();
            }
        }
    }

}
