package dev.pgmessaging.deployment.exchange;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.Binding;
import dev.pgmessaging.runtime.api.ExchangeInfo;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.QueueInfo;
import dev.pgmessaging.runtime.api.UnknownNameException;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The admin API on exchanges: the bindings declared in configuration are listed, a binding added at
 * run time routes the messages published after it, and once removed routes none.
 */
class ExchangeOperationsTest {

    static final String SCHEMA = "exchange_operations_test";
    static final String DS = PostgresMessaging.DEFAULT_DATASOURCE;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Publisher.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.type", "topic")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.bindings.audit.routing-keys", "#")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.alerts.type", "headers")
            .overrideConfigKey("mp.messaging.outgoing.events-out.exchange", "events")
            .overrideConfigKey("mp.messaging.outgoing.events-out.routing-key", "order.created");

    @Inject
    Publisher publisher;
    @Inject
    PostgresMessaging messaging;

    @Test
    void listBindUnbind() {
        List<ExchangeInfo> exchanges = messaging.exchanges(DS);
        assertEquals(List.of("alerts", "events"), exchanges.stream().map(ExchangeInfo::name).toList());
        assertEquals(new ExchangeInfo("events", "topic", List.of(new Binding("events", "audit", "#", Map.of(), true))),
                exchanges.get(1));
        assertEquals(List.of(), exchanges.get(0).bindings());

        Binding orders = new Binding("events", "orders", "order.*", Map.of(), true);
        messaging.bind(DS, orders);
        messaging.bind(DS, orders); // once only
        assertEquals(2, messaging.exchanges(DS).get(1).bindings().size());
        publisher.publish("first");
        await().atMost(Duration.ofSeconds(10)).until(() -> depth("orders") == 1 && depth("audit") == 1);

        assertTrue(messaging.unbind(DS, orders));
        assertFalse(messaging.unbind(DS, orders), "gone already");
        publisher.publish("second");
        await().atMost(Duration.ofSeconds(10)).until(() -> depth("audit") == 2);
        assertEquals(1, depth("orders"), "no longer routed to the queue");

        assertEquals("PGMSG1014: There is no exchange nowhere", assertThrows(UnknownNameException.class,
                () -> messaging.bind(DS, new Binding("nowhere", "orders", "x", Map.of(), true))).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> messaging.bind(DS, new Binding("alerts", "orders", "", Map.of(), true)), "headers needed");
        messaging.bind(DS, new Binding("alerts", "pager", "", Map.of("severity", "high"), false));
        assertEquals(List.of(new Binding("alerts", "pager", "", Map.of("severity", "high"), false)),
                messaging.exchanges(DS).get(0).bindings());
    }

    private long depth(String queue) {
        return messaging.queues(DS).stream().filter(q -> q.name().equals(queue)).mapToLong(QueueInfo::total).sum();
    }

    @ApplicationScoped
    static class Publisher {
        @Inject
        @Channel("events-out")
        Emitter<String> out;

        void publish(String event) {
            out.send(event);
        }
    }
}
