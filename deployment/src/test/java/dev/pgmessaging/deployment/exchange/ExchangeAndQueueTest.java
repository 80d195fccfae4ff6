package dev.pgmessaging.deployment.exchange;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Failures;
import io.quarkus.test.QuarkusUnitTest;

/** An outgoing channel sends to a queue or through an exchange, not both: setting both fails startup. */
class ExchangeAndQueueTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Producer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "exchange_and_queue_test")
            .overrideConfigKey("mp.messaging.outgoing.out.exchange", "events")
            .overrideConfigKey("mp.messaging.outgoing.out.queue", "orders")
            .assertException(t -> Failures.assertMentions(t,
                    "mp.messaging.outgoing.out.queue=orders", "either to a queue or through an exchange"));

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
