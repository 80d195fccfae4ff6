package dev.pgmessaging.deployment.devui;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.devui.tests.DevUIJsonRPCTest;
import io.quarkus.test.QuarkusDevModeTest;

/**
 * The Dev UI card's JSON-RPC methods, called as the card calls them, over the Dev UI's websocket of
 * an application in dev mode: channels with their resolved attributes, pause and resume, queues
 * with their dead letters, peek, redrive (the job is then handled), exchanges and their bindings,
 * topics with their groups' lag.
 */
class PostgresMessagingDevUITest extends DevUIJsonRPCTest {

    static final String DS = "<default>";

    @RegisterExtension
    static final QuarkusDevModeTest app = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClasses(DevShop.class)
                    .addAsResource(DevShop.properties("devui_test"), "application.properties"));

    PostgresMessagingDevUITest() {
        super("quarkus-messaging-postgres");
    }

    @Test
    void theCardsMethods() throws Exception {
        // channels: as they resolved, and pause / resume
        JsonNode channels = executeJsonRPCMethod("getChannels");
        JsonNode work = find(channels, "name", "work");
        assertEquals("incoming", work.get("direction").asText());
        assertEquals("queue", work.get("model").asText());
        assertEquals("work.dlq", work.get("attributes").get("dead-letter-queue").asText(), "derived");
        assertEquals("1", work.get("attributes").get("max-attempts").asText(), "configured");
        assertEquals("devshop", find(channels, "name", "events").get("attributes").get("group.id").asText());
        assertEquals(List.of(DS), StreamSupport.stream(executeJsonRPCMethod("getDataSources").spliterator(), false)
                .map(JsonNode::asText).toList());
        assertTrue(find(executeJsonRPCMethod("pause", Map.of("channel", "audit")), "name", "audit").get("paused").asBoolean());
        assertTrue(!find(executeJsonRPCMethod("resume", Map.of("channel", "audit")), "name", "audit").get("paused").asBoolean());

        // queues: the poisoned job is dead-lettered; peek shows why (a schema left by an earlier run may hold more)
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> deadLettered("work") >= 1);
        JsonNode dead = executeJsonRPCMethod("peek", Map.of("dataSource", DS, "queue", "work.dlq", "afterId", 0));
        List<Long> poisoned = StreamSupport.stream(dead.spliterator(), false)
                .filter(m -> m.get("payload").asText().equals("poison")).map(m -> m.get("id").asLong()).toList();
        assertEquals(dead.size(), poisoned.size(), "only the poisoned job is dead-lettered: " + dead);
        assertTrue(dead.get(0).get("headers").get("dead-letter-reason").asText().contains("poisoned job"));
        assertEquals("work", dead.get(0).get("headers").get("dead-letter-queue").asText());

        // redrive by id: back to work, handled this time
        JsonNode moved = executeJsonRPCMethod("redrive",
                Map.of("dataSource", DS, "deadLetterQueue", "work.dlq", "ids", poisoned));
        assertEquals(poisoned.size(), moved.get("work").asInt());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> deadLettered("work") == 0 && total(queue("work")) == 0);

        // exchanges and their bindings
        JsonNode orders = find(executeJsonRPCMethod("getExchanges", Map.of("dataSource", DS)), "name", "orders");
        assertEquals("topic", orders.get("type").asText());
        assertEquals("audit", orders.get("bindings").get(0).get("queue").asText());
        assertEquals("order.*", orders.get("bindings").get(0).get("routingKey").asText());

        // topics, and the group's lag per partition once it has read everything
        JsonNode events = find(executeJsonRPCMethod("getTopics", Map.of("dataSource", DS)), "name", "events");
        assertEquals(2, events.get("partitions").asInt());
        assertTrue(events.get("groups").toString().contains("devshop"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode group = executeJsonRPCMethod("getGroup", Map.of("dataSource", DS, "group", "devshop", "topic", "events"));
            long end = 0;
            long committed = 0;
            for (JsonNode p : group.get("partitions")) {
                end += p.get("logEndOffset").asLong();
                committed += p.get("committedOffset").isNull() ? 0 : p.get("committedOffset").asLong();
            }
            return group.get("liveMembers").asInt() == 1 && end >= 4 && committed == end;
        });
    }

    private JsonNode queue(String name) throws Exception {
        return find(executeJsonRPCMethod("getQueues", Map.of("dataSource", DS)), "name", name);
    }

    private long deadLettered(String queue) throws Exception {
        return queue(queue).get("deadLettered").asLong();
    }

    private static long total(JsonNode queue) {
        return queue.get("ready").asLong() + queue.get("delayed").asLong() + queue.get("inFlight").asLong();
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode node : array) {
            if (node.get(field).asText().equals(value)) {
                return node;
            }
        }
        throw new AssertionError("no element with " + field + "=" + value + " in " + array);
    }
}
