package dev.pgmessaging.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.vertx.core.json.JsonObject;

/** The built-in payload types survive the trip through the queue table unchanged. */
class PayloadRoundTripTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Channels.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "payload_round_trip_test")
            .overrideConfigKey("mp.messaging.outgoing.bytes-out.queue", "bytes")
            .overrideConfigKey("mp.messaging.outgoing.json-out.queue", "json")
            .overrideConfigKey("mp.messaging.outgoing.long-out.queue", "long")
            .overrideConfigKey("mp.messaging.outgoing.flag-out.queue", "flag")
            .overrideConfigKey("mp.messaging.outgoing.text-out.queue", "text");

    @Inject
    Channels channels;

    @Test
    void builtInTypesRoundTrip() {
        byte[] bytes = { 0, 1, 2, (byte) 0xff, 0 };
        JsonObject json = new JsonObject().put("name", "ünïcode ✓").put("n", 42).put("nested", new JsonObject().put("a", true));
        channels.send(bytes, json, Long.MIN_VALUE, true, "plain text ✓");

        await().atMost(Duration.ofSeconds(30)).until(() -> channels.received().size() == 5);
        Map<String, Object> received = channels.received();
        assertArrayEquals(bytes, (byte[]) received.get("bytes"));
        assertEquals(json, received.get("json"));
        assertEquals(Long.MIN_VALUE, received.get("long"));
        assertEquals(Boolean.TRUE, received.get("flag"));
        assertEquals("plain text ✓", received.get("text"));
    }

    @ApplicationScoped
    static class Channels {
        final Map<String, Object> received = new ConcurrentHashMap<>();

        @Inject
        @Channel("bytes-out")
        Emitter<byte[]> bytesOut;
        @Inject
        @Channel("json-out")
        Emitter<JsonObject> jsonOut;
        @Inject
        @Channel("long-out")
        Emitter<Long> longOut;
        @Inject
        @Channel("flag-out")
        Emitter<Boolean> flagOut;
        @Inject
        @Channel("text-out")
        Emitter<String> textOut;

        void send(byte[] bytes, JsonObject json, long number, boolean flag, String text) {
            bytesOut.send(bytes);
            jsonOut.send(json);
            longOut.send(number);
            flagOut.send(flag);
            textOut.send(text);
        }

        Map<String, Object> received() {
            return received;
        }

        @Incoming("bytes")
        void bytes(byte[] payload) {
            received.put("bytes", payload);
        }

        @Incoming("json")
        void json(JsonObject payload) {
            received.put("json", payload);
        }

        @Incoming("long")
        void number(long payload) {
            received.put("long", payload);
        }

        @Incoming("flag")
        void flag(boolean payload) {
            received.put("flag", payload);
        }

        @Incoming("text")
        void text(String payload) {
            received.put("text", payload);
        }
    }
}
