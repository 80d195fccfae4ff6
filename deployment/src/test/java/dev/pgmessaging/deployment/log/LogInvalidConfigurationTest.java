package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Failures;
import io.quarkus.test.QuarkusUnitTest;

/** A queue-only attribute on a topic channel fails startup with one message naming the channel and the property. */
class LogInvalidConfigurationTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "log_invalid_configuration_test")
            .overrideConfigKey("mp.messaging.incoming.events.topic", "events")
            .overrideConfigKey("mp.messaging.incoming.events.ordered-by-key", "true")
            .assertException(t -> Failures.assertMentions(t,
                    "mp.messaging.incoming.events.ordered-by-key=true", "applies to queue channels"));

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
