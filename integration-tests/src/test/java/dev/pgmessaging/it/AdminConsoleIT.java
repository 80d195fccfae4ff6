package dev.pgmessaging.it;

import static io.restassured.RestAssured.given;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged (production) demo does not serve the admin console or its endpoints: they are off
 * in production builds unless {@code quarkus.messaging.postgres.admin.enabled=true}.
 */
@QuarkusIntegrationTest
class AdminConsoleIT {

    @Test
    void offInProduction() {
        given().when().get("/q/pgmessaging/").then().statusCode(404);
        given().when().get("/q/pgmessaging/api/queues").then().statusCode(404);
        given().when().post("/q/pgmessaging/api/queues/orders.dlq/redrive").then().statusCode(404);
    }
}
