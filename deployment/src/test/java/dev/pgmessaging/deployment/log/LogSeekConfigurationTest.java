package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Failures;
import io.quarkus.test.QuarkusUnitTest;

/** A seek position that is neither earliest, latest, an offset nor an instant fails startup, naming channel and property. */
class LogSeekConfigurationTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "log_seek_configuration_test")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.seek", "yesterday")
            .assertException(t -> Failures.assertMentions(t,
                    "mp.messaging.incoming.events.seek=yesterday", "earliest, latest, an offset or an ISO-8601 instant"));

    @Test
    void startupFails() {
        fail("the application should not start");
    }

    @ApplicationScoped
    static class Consumer {
        @Incoming("events")
        void consume(String event) {
        }
    }
}
