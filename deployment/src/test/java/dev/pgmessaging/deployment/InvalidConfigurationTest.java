package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/** A bad channel setting fails startup with one message naming the channel and the property. */
class InvalidConfigurationTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "invalid_configuration_test")
            .overrideConfigKey("mp.messaging.incoming.work.visibility-timeout", "soon")
            .assertException(t -> Failures.assertMentions(t,
                    "mp.messaging.incoming.work.visibility-timeout=soon", "positive duration"));

    @Test
    void startupFails() {
        fail("the application should not start");
    }

    @ApplicationScoped
    static class Consumer {
        @Incoming("work")
        void consume(String work) {
        }
    }
}
