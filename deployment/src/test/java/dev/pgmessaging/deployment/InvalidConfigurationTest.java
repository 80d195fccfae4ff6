package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/**
 * Bad channel settings fail startup with one message that names the channel and each property
 * with what is wrong with it: all of them at once, not one per restart.
 */
class InvalidConfigurationTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "invalid_configuration_test")
            .overrideConfigKey("mp.messaging.incoming.work.visibility-timeout", "soon")
            .overrideConfigKey("mp.messaging.incoming.work.claim-size", "0")
            .overrideConfigKey("mp.messaging.incoming.work.failure-strategy", "explode")
            .assertException(t -> Failures.assertMentions(t, "PGMSG1000: Invalid channel configuration",
                    "mp.messaging.incoming.work.visibility-timeout=soon", "positive duration",
                    "mp.messaging.incoming.work.claim-size=0", "mp.messaging.incoming.work.failure-strategy=explode"));

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
