package dev.pgmessaging.deployment.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.log.LogSource;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.queue.IdleQueuePoller;
import dev.pgmessaging.runtime.queue.QueueSource;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.schema.SchemaManager;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;
import io.vertx.core.Vertx;

/**
 * Connections that go half-open (a proxy stops forwarding without closing, as a vanished peer or a
 * network partition does) do not hang a channel: its statements time out, it goes on with new
 * connections, and what is sent afterwards is consumed, on a topic as on a queue.
 */
class HalfOpenConnectionTest {

    static final String SCHEMA = "half_open_connection_test";

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
    void aTopicConsumerWhoseConnectionsStallGoesOn() throws Exception {
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
                assertTrue(proxy.stallAll() > 0, "no connection to stall");
                ProxiedChannels.append(dataSource, store, topic, "after");
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.contains("after"));
            } finally {
                source.stop();
            }
        }
    }

    @Test
    void aQueueConsumerWhoseConnectionsStallGoesOn() throws Exception {
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
            try {
                send(store, "before");
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.contains("before"));
                assertTrue(proxy.stallAll() > 0, "no connection to stall");
                send(store, "after");
                await().atMost(Duration.ofSeconds(20)).until(() -> consumed.contains("after"));
            } finally {
                source.stopTakingWork();
                source.stop();
                poller.close();
            }
        }
    }

    private void send(QueueStore store, String payload) throws Exception {
        List<NewMessage> messages = new ArrayList<>();
        messages.add(new NewMessage("jobs", null, "text/plain", null, payload.getBytes(StandardCharsets.UTF_8)));
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, messages, Duration.ZERO, false);
        }
    }
}
