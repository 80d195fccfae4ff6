package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.ChannelInfo;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.quarkus.test.QuarkusUnitTest;

/**
 * {@code PostgresMessaging.channels()}: every channel end (each {@code concurrency} copy too) with
 * its model, datasource and state, and its attributes as they resolved: configured, derived by the
 * connector, or defaulted; the defaults of the other model's attributes are left out.
 */
class ChannelsInfoTest {

    static final String SCHEMA = "channels_info_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Shop.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.application.name", "shop")
            .overrideConfigKey("mp.messaging.outgoing.to-orders.queue", "orders")
            .overrideConfigKey("mp.messaging.incoming.orders.visibility-timeout", "45s")
            .overrideConfigKey("mp.messaging.incoming.orders.concurrency", "2")
            .overrideConfigKey("mp.messaging.outgoing.to-events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events");

    @Inject
    PostgresMessaging messaging;

    @Test
    void channelsWithTheirResolvedAttributes() {
        Map<String, ChannelInfo> channels = messaging.channels().stream()
                .collect(Collectors.toMap(ChannelInfo::name, c -> c));
        assertEquals(List.of("events", "orders$1", "orders$2", "to-events", "to-orders"),
                channels.keySet().stream().sorted().toList());

        ChannelInfo orders = channels.get("orders$1");
        assertEquals("incoming", orders.direction());
        assertEquals("queue", orders.model());
        assertEquals(PostgresMessaging.DEFAULT_DATASOURCE, orders.dataSource());
        assertFalse(orders.paused());
        assertNull(orders.failure());
        Map<String, String> attributes = orders.attributes();
        assertEquals("45s", attributes.get("visibility-timeout"), "configured");
        assertEquals("orders", attributes.get("queue"), "derived: the channel's name without its copy number");
        assertEquals("orders.dlq", attributes.get("dead-letter-queue"), "derived from the queue");
        assertEquals("100", attributes.get("claim-size"), "the declared default");
        assertEquals("2", attributes.get("concurrency"), "SmallRye's own attribute, as configured");
        assertFalse(attributes.containsKey("session-timeout"), "a topic attribute's default on a queue channel");
        assertFalse(attributes.containsKey("partitions"), "a topic attribute's default on a queue channel");

        Map<String, String> events = channels.get("events").attributes();
        assertEquals("topic", channels.get("events").model());
        assertEquals("shop", events.get("group.id"), "derived from quarkus.application.name");
        assertEquals("latest", events.get("auto.offset.reset"), "the declared default");
        assertFalse(events.containsKey("visibility-timeout"), "a queue attribute's default on a topic channel");

        assertEquals("outgoing", channels.get("to-orders").direction());
        assertEquals("orders", channels.get("to-orders").attributes().get("queue"));
        assertEquals("500", channels.get("to-orders").attributes().get("max-batch-size"));
        assertFalse(channels.get("to-orders").attributes().containsKey("visibility-timeout"), "an incoming attribute");

        messaging.pause("orders");
        assertTrue(messaging.channels().stream().filter(c -> c.name().startsWith("orders$")).allMatch(ChannelInfo::paused),
                "both copies paused");
        messaging.resume("orders");
        assertTrue(messaging.channels().stream().noneMatch(ChannelInfo::paused));
    }

    @ApplicationScoped
    public static class Shop {

        @Inject
        @Channel("to-orders")
        Emitter<String> orders;
        @Inject
        @Channel("to-events")
        Emitter<String> events;

        @Incoming("orders")
        public void order(String order) {
        }

        @Incoming("events")
        public CompletionStage<Void> event(org.eclipse.microprofile.reactive.messaging.Message<String> event) {
            return event.ack();
        }
    }
}
