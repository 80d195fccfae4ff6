package dev.pgmessaging.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The demo's admin console and endpoints in test mode: served, and open to anyone because the
 * application has no security extension (the documented trade-off: enable them in production only
 * on an unexposed management interface, or add security).
 */
@QuarkusTest
@TestProfile(OwnSchema.AdminConsole.class)
class AdminConsoleTest {

    @Test
    void servedWithoutCredentialsWhenTheApplicationHasNoSecurity() {
        given().when().get("/q/pgmessaging/").then().statusCode(200).body(containsString("Postgres Messaging"));
        given().when().get("/q/pgmessaging/api/queues").then().statusCode(200).body("name", hasItem("orders"));
        given().when().get("/q/pgmessaging/api/channels").then().statusCode(200)
                .body("find { it.name == 'sales' }.attributes.'group.id'", equalTo("sales"));
    }
}
