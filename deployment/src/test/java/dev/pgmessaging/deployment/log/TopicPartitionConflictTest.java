package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/** A channel that expects another partition count than its existing topic has fails startup, naming both. */
class TopicPartitionConflictTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumers.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "topic_conflict_test")
            .overrideConfigKey("mp.messaging.incoming.first.topic", "shared")
            .overrideConfigKey("mp.messaging.incoming.first.partitions", "3")
            .overrideConfigKey("mp.messaging.incoming.second.topic", "shared")
            .overrideConfigKey("mp.messaging.incoming.second.partitions", "2")
            .assertException(e -> {
                Throwable cause = e;
                while (cause != null && !(cause instanceof IllegalArgumentException)) {
                    cause = cause.getCause();
                }
                if (cause == null) {
                    fail("no IllegalArgumentException in " + e);
                }
                String message = cause.getMessage();
                assertTrue(message.matches("(?s).*mp\\.messaging\\.incoming\\.(first|second)\\.partitions=[23]: topic 'shared'"
                        + " exists with [23] partitions.*cannot change.*"), message);
            });

    @Test
    void startupFails() {
        fail("startup should have failed");
    }

    @ApplicationScoped
    static class Consumers {
        @Incoming("first")
        void first(String value) {
        }

        @Incoming("second")
        void second(String value) {
        }
    }
}
