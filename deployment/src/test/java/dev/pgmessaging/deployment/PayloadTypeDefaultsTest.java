package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.core.json.JsonObject;

/** The build step reads the channels' signatures and sets their payload-type as runtime defaults. */
class PayloadTypeDefaultsTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Price.class, Channels.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "payload_type_defaults_test")
            // a user setting is never overridden by the detected type
            .overrideConfigKey("mp.messaging.incoming.configured.payload-type", "java.lang.String")
            .overrideConfigKey("mp.messaging.incoming.price-arrays.batch", "false");

    public record Price(String sku, long cents) {
    }

    @Test
    void payloadTypesComeFromSignatures() {
        assertEquals(Price.class.getName(), incoming("prices"));
        assertEquals("byte[]", incoming("blobs"));
        assertEquals(JsonObject.class.getName(), incoming("documents"));
        assertEquals("long", incoming("counters"));
        assertEquals(Price.class.getName(), outgoing("price-emitter"));
        assertEquals(String.class.getName(), outgoing("mutiny-emitter"));
        assertEquals(Integer.class.getName(), outgoing("generated"));
        assertEquals(Double.class.getName(), outgoing("async"));
        assertEquals(String.class.getName(), incoming("configured"));
        // a method taking List<T> consumes batches of T
        assertEquals(Price.class.getName(), incoming("price-lists"));
        assertEquals("true", ConfigProvider.getConfig().getValue("mp.messaging.incoming.price-lists.batch", String.class));
        // unless the channel says the list is one payload
        assertEquals("java.util.List<" + Price.class.getName() + ">", incoming("price-arrays"));
        assertEquals("java.util.Map<java.lang.String,java.lang.Long>", outgoing("totals"));
        assertFalse(ConfigProvider.getConfig()
                .getOptionalValue("mp.messaging.incoming.untyped.payload-type", String.class).isPresent());
    }

    private static String incoming(String channel) {
        return ConfigProvider.getConfig().getValue("mp.messaging.incoming." + channel + ".payload-type", String.class);
    }

    private static String outgoing(String channel) {
        return ConfigProvider.getConfig().getValue("mp.messaging.outgoing." + channel + ".payload-type", String.class);
    }

    @ApplicationScoped
    static class Channels {
        @Inject
        @Channel("price-emitter")
        Emitter<Price> prices;
        @Inject
        @Channel("mutiny-emitter")
        MutinyEmitter<String> strings;

        @Incoming("prices")
        void prices(Price price) {
        }

        @Incoming("blobs")
        CompletionStage<Void> blobs(Message<byte[]> blob) {
            return blob.ack();
        }

        @Incoming("documents")
        Uni<Void> documents(JsonObject document) {
            return Uni.createFrom().voidItem();
        }

        @Incoming("counters")
        void counters(long value) {
        }

        @Incoming("price-lists")
        void priceLists(java.util.List<Price> prices) {
        }

        @Incoming("price-arrays")
        void priceArrays(java.util.List<Price> prices) {
        }

        @Inject
        @Channel("totals")
        Emitter<java.util.Map<String, Long>> totals;

        @Incoming("configured")
        void configured(Price price) {
        }

        @Incoming("untyped")
        void untyped(Object anything) {
        }

        @Outgoing("generated")
        Multi<Integer> generated() {
            return Multi.createFrom().empty();
        }

        @Outgoing("async")
        Uni<Message<Double>> async() {
            return Uni.createFrom().nothing();
        }
    }
}
