package dev.pgmessaging.deployment.exchange;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Failures;
import io.quarkus.test.QuarkusUnitTest;

/** A channel that declares an exchange with another type than it has fails startup, naming the property. */
class ExchangeTypeConflictTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "exchange_type_conflict_test")
            .overrideConfigKey("quarkus.messaging.postgres.exchanges.events.type", "direct")
            .overrideConfigKey("mp.messaging.incoming.work.exchange", "events")
            .overrideConfigKey("mp.messaging.incoming.work.exchange-type", "fanout")
            .assertException(t -> Failures.assertMentions(t,
                    "mp.messaging.incoming.work.exchange-type=fanout", "exchange 'events' already exists with type direct"));

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
