package dev.pgmessaging.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.test.QuarkusUnitTest;

/** A channel with datasource=<name> keeps its messages in that datasource, not the default one. */
class NamedDataSourceTest {

    static final String SCHEMA = "named_datasource_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Channels.class, Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.datasource.db-kind", "postgresql")
            .overrideConfigKey("quarkus.datasource.events.db-kind", "postgresql")
            .overrideConfigKey("mp.messaging.outgoing.events-out.queue", "events")
            .overrideConfigKey("mp.messaging.outgoing.events-out.datasource", "events")
            .overrideConfigKey("mp.messaging.incoming.events.datasource", "events")
            // a lease that outlives the test: the row stays until the consumer acks it
            .overrideConfigKey("mp.messaging.incoming.events.visibility-timeout", "10m");

    @Inject
    Channels channels;
    @Inject
    @DataSource("events")
    AgroalDataSource events;
    @Inject
    AgroalDataSource defaultDataSource;

    @Test
    void messagesLiveInTheNamedDataSource() {
        channels.send("hello");
        await().atMost(Duration.ofSeconds(30)).until(() -> channels.received().contains("hello"));
        assertEquals(1, Rows.queryLong(events,
                "SELECT count(*) FROM \"" + SCHEMA + "\".queue WHERE name = ?", "events"));
        assertEquals(0, Rows.queryLong(defaultDataSource,
                "SELECT count(*) FROM pg_namespace WHERE nspname = ?", SCHEMA));
    }

    @ApplicationScoped
    static class Channels {
        final List<String> received = new CopyOnWriteArrayList<>();

        @Inject
        @Channel("events-out")
        Emitter<String> out;

        void send(String payload) {
            out.send(payload);
        }

        List<String> received() {
            return received;
        }

        @Incoming("events")
        void consume(String payload) {
            received.add(payload);
        }
    }
}
