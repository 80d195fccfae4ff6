package dev.pgmessaging.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** The demo end to end: an order placed over REST is queued, consumed and persisted as fulfilled. */
@QuarkusTest
@TestProfile(OwnSchema.OrderFlow.class)
class OrderFlowTest {

    @Test
    void placedOrderIsFulfilledThroughTheQueue() {
        int id = given().contentType(ContentType.JSON).body("{\"product\":\"coffee\",\"quantity\":2}")
                .when().post("/orders")
                .then().statusCode(201).body("status", equalTo("PLACED"))
                .extract().path("id");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().when().get("/orders/" + id)
                .then().statusCode(200).body("status", equalTo("FULFILLED")).body("fulfilledOnAttempt", equalTo(1)));
    }

    @Test
    void invalidOrderIsRejected() {
        given().contentType(ContentType.JSON).body("{\"product\":\"\",\"quantity\":0}")
                .when().post("/orders")
                .then().statusCode(400);
    }
}
