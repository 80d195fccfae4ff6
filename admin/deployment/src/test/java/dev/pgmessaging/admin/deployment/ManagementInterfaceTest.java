package dev.pgmessaging.admin.deployment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/**
 * With the management interface enabled, the endpoints and the console are served there (the test
 * management port, 9001), behind its authentication, and not on the application's port.
 */
class ManagementInterfaceTest {

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Sender.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", "admin_management_test")
            .overrideConfigKey("quarkus.management.enabled", "true")
            .overrideConfigKey("quarkus.management.auth.basic", "true")
            .overrideConfigKey("quarkus.security.users.embedded.enabled", "true")
            .overrideConfigKey("quarkus.security.users.embedded.plain-text", "true")
            .overrideConfigKey("quarkus.security.users.embedded.users.ops", "ops")
            .overrideConfigKey("quarkus.security.users.embedded.roles.ops", "pgmessaging-admin")
            .overrideConfigKey("mp.messaging.outgoing.to-work.queue", "work");

    @Test
    void servedOnTheManagementInterfaceOnly() {
        given().auth().preemptive().basic("ops", "ops").get("http://localhost:9001/q/pgmessaging/api/queues")
                .then().statusCode(200).body(containsString("\"name\":\"work\""));
        given().get("http://localhost:9001/q/pgmessaging/api/queues").then().statusCode(401);
        given().auth().preemptive().basic("ops", "ops").get("http://localhost:9001/q/pgmessaging/")
                .then().statusCode(200).body(containsString("Postgres Messaging"));
        given().auth().preemptive().basic("ops", "ops").get("/q/pgmessaging/api/queues").then().statusCode(404);
    }

    @ApplicationScoped
    static class Sender {
        @Inject
        @Channel("to-work")
        Emitter<String> work;
    }
}
