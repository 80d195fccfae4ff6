package dev.pgmessaging.deployment.queue;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Failures;
import io.quarkus.test.QuarkusUnitTest;

/** Queue names are validated before they reach SQL. */
class InvalidQueueNameTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Producer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "invalid_queue_name_test")
            .overrideConfigKey("mp.messaging.outgoing.out.queue", "orders'; DROP TABLE x; --")
            .assertException(t -> Failures.assertMentions(t, "mp.messaging.outgoing.out.queue=", "queue name"));

    @Test
    void startupFails() {
        fail("the application should not start");
    }

    @ApplicationScoped
    static class Producer {
        @Inject
        @Channel("out")
        Emitter<String> out;
    }
}
