package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/** schema-management=validate on a database without the schema fails startup, saying what is missing. */
class ValidateSchemaStartupTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumer.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "validate_schema_startup_test")
            .overrideConfigKey("quarkus.messaging.postgres.schema-management", "validate")
            .assertException(t -> Failures.assertMentions(t, "validate_schema_startup_test", "V1__baseline.sql",
                    "schema-management=create"));

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
