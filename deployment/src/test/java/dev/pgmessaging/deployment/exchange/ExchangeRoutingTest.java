package dev.pgmessaging.deployment.exchange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.deployment.queue.TestQueues;
import dev.pgmessaging.runtime.api.Binding;
import dev.pgmessaging.runtime.exchange.ExchangeStore;
import dev.pgmessaging.runtime.exchange.ExchangeType;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The routing matrix: which queues each exchange type sends a message to, for routing keys and
 * headers chosen to hit the edges (topic '*' and '#', empty words, empty keys; headers all/any),
 * including unroutable messages, the alternate queue, and a payload stored once for several queues.
 */
class ExchangeRoutingTest {

    static final String SCHEMA = "exchange_routing_test";
    static final Duration WINDOW = Duration.ofMinutes(5);

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    @Inject
    AgroalDataSource dataSource;

    static QueueStore queues;
    static ExchangeStore exchanges;

    /** Declares the exchanges once, for all tests of the class. */
    private void setUp() throws SQLException {
        if (queues != null) {
            return;
        }
        queues = TestQueues.migrated(dataSource, SCHEMA);
        exchanges = new ExchangeStore(SCHEMA);
        declare("direct", ExchangeType.DIRECT,
                new Binding("direct", "d.error", "error", Map.of(), true),
                new Binding("direct", "d.all-levels", "error", Map.of(), true),
                new Binding("direct", "d.all-levels", "info", Map.of(), true),
                new Binding("direct", "d.empty", "", Map.of(), true));
        declare("fanout", ExchangeType.FANOUT,
                new Binding("fanout", "f.1", "", Map.of(), true),
                new Binding("fanout", "f.2", "", Map.of(), true),
                new Binding("fanout", "f.3", "", Map.of(), true));
        declare("shared", ExchangeType.FANOUT,
                new Binding("shared", "s.1", "", Map.of(), true),
                new Binding("shared", "s.2", "", Map.of(), true),
                new Binding("shared", "s.3", "", Map.of(), true));
        declare("topic", ExchangeType.TOPIC,
                new Binding("topic", "t.orange", "*.orange.*", Map.of(), true),
                new Binding("topic", "t.rabbit", "*.*.rabbit", Map.of(), true),
                // one queue bound twice: a message matching both gets one copy
                new Binding("topic", "t.rabbit", "lazy.#", Map.of(), true),
                new Binding("topic", "t.everything", "#", Map.of(), true),
                new Binding("topic", "t.one-word", "*", Map.of(), true),
                new Binding("topic", "t.no-words", "", Map.of(), true),
                new Binding("topic", "t.a-any-b", "a.#.b", Map.of(), true),
                new Binding("topic", "t.a-one-b", "a.*.b", Map.of(), true),
                new Binding("topic", "t.a-empty-b", "a..b", Map.of(), true),
                new Binding("topic", "t.trailing", "a.#", Map.of(), true),
                // regular expression characters are literal in binding keys
                new Binding("topic", "t.literal", "price.[1+2]", Map.of(), true));
        declare("headers", ExchangeType.HEADERS,
                new Binding("headers", "h.all", "", Map.of("region", "eu", "kind", "order"), true),
                new Binding("headers", "h.any", "", Map.of("region", "eu", "kind", "order"), false),
                new Binding("headers", "h.empty-all", "", Map.of(), true));
    }

    private void declare(String exchange, ExchangeType type, Binding... bindings) throws SQLException {
        assertEquals(type, exchanges.declare(dataSource, exchange, type));
        for (Binding binding : bindings) {
            exchanges.bind(dataSource, binding);
        }
    }

    @Test
    void directExchange() throws Exception {
        setUp();
        assertRoutes("direct",
                route("error", "d.error", "d.all-levels"),
                route("info", "d.all-levels"),
                route("", "d.empty"),
                route("warning"),
                route("ERROR"));
    }

    @Test
    void fanoutExchange() throws Exception {
        setUp();
        assertRoutes("fanout",
                route("anything", "f.1", "f.2", "f.3"),
                route("", "f.1", "f.2", "f.3"));
    }

    @Test
    void topicExchange() throws Exception {
        setUp();
        assertRoutes("topic",
                route("quick.orange.rabbit", "t.orange", "t.rabbit", "t.everything"),
                route("lazy.orange.elephant", "t.orange", "t.rabbit", "t.everything"),
                route("quick.orange.fox", "t.orange", "t.everything"),
                route("lazy.brown.fox", "t.rabbit", "t.everything"),
                route("lazy.pink.rabbit", "t.rabbit", "t.everything"),
                route("quick.brown.fox", "t.everything"),
                route("orange", "t.everything", "t.one-word"),
                route("quick.orange.male.rabbit", "t.everything"),
                route("lazy", "t.rabbit", "t.everything", "t.one-word"),
                route("lazy.orange.male.rabbit", "t.rabbit", "t.everything"),
                // empty key: no words; only '#' and the empty binding key match it
                route("", "t.everything", "t.no-words"),
                // one empty word each side: '*' matches an empty word, a literal word does not
                route(".", "t.everything"),
                route("a.b", "t.everything", "t.a-any-b", "t.trailing"),
                route("a..b", "t.everything", "t.a-any-b", "t.a-one-b", "t.a-empty-b", "t.trailing"),
                route("a.x.b", "t.everything", "t.a-any-b", "t.a-one-b", "t.trailing"),
                route("a.x.y.b", "t.everything", "t.a-any-b", "t.trailing"),
                route("a", "t.everything", "t.one-word", "t.trailing"),
                route("a.", "t.everything", "t.trailing"),
                route("price.[1+2]", "t.everything", "t.literal"),
                route("price.12", "t.everything"));
    }

    @Test
    void headersExchange() throws Exception {
        setUp();
        assertRoutes("headers",
                route("", Map.of("region", "eu", "kind", "order"), "h.all", "h.any", "h.empty-all"),
                route("", Map.of("region", "eu", "kind", "order", "extra", "x"), "h.all", "h.any", "h.empty-all"),
                route("", Map.of("region", "eu"), "h.any", "h.empty-all"),
                route("", Map.of("region", "us", "kind", "order"), "h.any", "h.empty-all"),
                route("", Map.of("region", "us"), "h.empty-all"),
                route("", Map.of("REGION", "eu"), "h.empty-all"),
                route("", (Map<String, String>) null, "h.empty-all"));
    }

    @Test
    void unroutableMessagesAreReportedOrGoToTheAlternateQueue() throws Exception {
        setUp();
        try (Connection connection = dataSource.getConnection()) {
            List<NewMessage> messages = List.of(message("nobody", "lost-1", null), message("error", "kept", null),
                    message("nobody", "lost-2", null));
            assertArrayEquals(new int[] { 0, 2 }, exchanges.publish(connection, "direct", messages, null, WINDOW, false));
            assertEquals(Set.of("d.error", "d.all-levels"), queuesOf(connection, "kept"));
            assertEquals(Set.of(), queuesOf(connection, "lost-1"));

            messages = List.of(message("nobody", "alt-1", null), message("info", "alt-2", null));
            assertArrayEquals(new int[0], exchanges.publish(connection, "direct", messages, "direct.unroutable", WINDOW, false));
            assertEquals(Set.of("direct.unroutable"), queuesOf(connection, "alt-1"));
            assertEquals(Set.of("d.all-levels"), queuesOf(connection, "alt-2"), "routable messages skip the alternate queue");

            // an exchange that does not exist routes nothing
            assertArrayEquals(new int[] { 0 }, exchanges.publish(connection, "missing", List.of(message("x", "y", null)),
                    null, WINDOW, false));
        }
    }

    @Test
    void declaringAnExchangeAgainKeepsItsFirstType() throws Exception {
        setUp();
        assertEquals(ExchangeType.FANOUT, exchanges.declare(dataSource, "fanout", ExchangeType.TOPIC));
        assertEquals(ExchangeType.FANOUT, exchanges.declare(dataSource, "fanout", null));
        assertEquals(ExchangeType.TOPIC, exchanges.declare(dataSource, "new-one", null), "topic when not set");
    }

    @Test
    void aPayloadRoutedToSeveralQueuesIsStoredOnceAndDeletedAfterItsLastCopy() throws Exception {
        setUp();
        byte[] big = "x".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        long bodiesBefore = Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".message_body", null);
        try (Connection connection = dataSource.getConnection()) {
            exchanges.publish(connection, "shared", List.of(new NewMessage(null, "k", null, "text/plain", null, big, 0,
                    Duration.ZERO, null, null, null)), null, WINDOW, false);
        }
        assertEquals(bodiesBefore + 1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".message_body", null));
        assertEquals(0, Rows.queryLong(dataSource,
                "SELECT count(*) FROM " + SCHEMA + ".queue_message WHERE queue LIKE 's._' AND payload IS NOT NULL", null),
                "the copies refer to the shared payload");

        List<ClaimedMessage> copies = new ArrayList<>();
        for (String queue : List.of("s.1", "s.2", "s.3")) {
            ClaimedMessage copy = claimOne(queue);
            assertArrayEquals(big, copy.payload(), "each copy reads the shared payload");
            assertEquals("shared", copy.exchange());
            assertEquals("k", copy.routingKey());
            copies.add(copy);
        }
        // two copies acked, one still in flight: the payload stays
        ack(copies.get(0));
        ack(copies.get(1));
        exchanges.deleteOrphanBodies(dataSource);
        assertEquals(bodiesBefore + 1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".message_body", null));
        // the last copy goes to a dead-letter queue: the payload follows it
        queues.deadLetter(dataSource, copies.get(2).id(), copies.get(2).leaseToken(), "s.dlq", new RuntimeException("no"));
        exchanges.deleteOrphanBodies(dataSource);
        ClaimedMessage deadLetter = claimOne("s.dlq");
        assertArrayEquals(big, deadLetter.payload());
        ack(deadLetter);
        exchanges.deleteOrphanBodies(dataSource);
        assertEquals(bodiesBefore, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".message_body", null));
    }

    private ClaimedMessage claimOne(String queue) throws SQLException {
        List<ClaimedMessage> claimed = queues.claim(dataSource, queue, 10, Duration.ofMinutes(1), null, false, "");
        assertEquals(1, claimed.size(), queue);
        return claimed.get(0);
    }

    private void ack(ClaimedMessage message) throws SQLException {
        assertEquals(1, queues.ack(dataSource, new long[] { message.id() }, new long[] { message.leaseToken() }, false));
    }

    private record Route(String routingKey, Map<String, String> headers, Set<String> queues) {
    }

    private static Route route(String routingKey, String... queues) {
        return new Route(routingKey, null, new TreeSet<>(List.of(queues)));
    }

    private static Route route(String routingKey, Map<String, String> headers, String... queues) {
        return new Route(routingKey, headers, new TreeSet<>(List.of(queues)));
    }

    private static NewMessage message(String routingKey, String id, Map<String, String> headers) {
        String json = headers == null ? null
                : "{" + String.join(",", headers.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").toList()) + "}";
        return new NewMessage(null, routingKey, id, "text/plain", json, id.getBytes(StandardCharsets.UTF_8), 0,
                Duration.ZERO, null, null, null);
    }

    /** Publishes every route's message in one statement, then checks where each one went. */
    private void assertRoutes(String exchange, Route... routes) throws SQLException {
        List<NewMessage> messages = new ArrayList<>();
        for (int i = 0; i < routes.length; i++) {
            messages.add(message(routes[i].routingKey(), exchange + "-" + i + "-" + System.nanoTime(), routes[i].headers()));
        }
        try (Connection connection = dataSource.getConnection()) {
            int[] unroutable = exchanges.publish(connection, exchange, messages, null, WINDOW, false);
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < routes.length; i++) {
                Set<String> actual = queuesOf(connection, messages.get(i).key());
                if (!actual.equals(routes[i].queues())) {
                    failures.add("'" + routes[i].routingKey() + "' " + routes[i].headers() + ": expected "
                            + routes[i].queues() + " but was " + actual);
                }
                int position = i;
                boolean reported = Arrays.stream(unroutable).anyMatch(p -> p == position);
                if (reported != routes[i].queues().isEmpty()) {
                    failures.add("'" + routes[i].routingKey() + "': unroutable reported " + reported);
                }
            }
            assertEquals(List.of(), failures);
        }
    }

    /** The queues that hold a copy of the message (its key is unique to it). */
    private Set<String> queuesOf(Connection connection, String key) throws SQLException {
        Set<String> found = new TreeSet<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT queue FROM " + SCHEMA + ".queue_message WHERE message_key = ?")) {
            statement.setString(1, key);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }
}
