package dev.pgmessaging.admin.deployment;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/**
 * The HTTP endpoints with a security extension present: a caller without credentials gets 401,
 * one without the role 403; with it, queues are listed, dead letters peeked and redriven (and
 * consumed), a group listed and moved, a channel paused and resumed, and what does not exist is 404.
 */
class AdminEndpointsTest {

    static final String SCHEMA = "admin_endpoints_test";

    @RegisterExtension
    static final QuarkusUnitTest app = AdminTestApplication.of(SCHEMA);

    @Inject
    AdminTestApplication.Jobs jobs;

    static RequestSpecification ops() {
        return given().auth().preemptive().basic("ops", "ops");
    }

    @Test
    void callersNeedTheRole() {
        given().get("/q/pgmessaging/api/queues").then().statusCode(401);
        given().auth().preemptive().basic("viewer", "viewer").get("/q/pgmessaging/api/queues").then().statusCode(403);
        given().get("/q/pgmessaging/").then().statusCode(401);
        given().auth().preemptive().basic("viewer", "viewer")
                .post("/q/pgmessaging/api/queues/work.dlq/redrive").then().statusCode(403);
        ops().get("/q/pgmessaging/api/queues").then().statusCode(200).contentType(ContentType.JSON);
        ops().get("/q/pgmessaging/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("Postgres Messaging"));
        ops().get("/q/pgmessaging/console.js").then().statusCode(200);
        ops().get("/q/pgmessaging/openapi.yaml").then().statusCode(200).body(containsString("openapi: 3"))
                .body(containsString("/api/queues/{queue}/redrive:"));
    }

    @Test
    void deadLettersArePeekedAndRedrivenOverHttp() {
        for (int i = 0; i < 3; i++) {
            jobs.send("job-" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> deadLettered() == 3);
        ops().get("/q/pgmessaging/api/queues/work.dlq/messages?limit=2").then().statusCode(200)
                .body("size()", equalTo(2)).body("[0].headers.dead-letter-queue", equalTo("work"))
                .body("[0].payload", equalTo("job-0"));
        long first = ops().get("/q/pgmessaging/api/queues/work.dlq/messages").then().extract().jsonPath().getLong("[0].id");

        jobs.succeed();
        ops().contentType(ContentType.JSON).body(Map.of("ids", List.of(first)))
                .post("/q/pgmessaging/api/queues/work.dlq/redrive").then().statusCode(200).body("moved.work", equalTo(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.handled().containsKey(first));
        ops().post("/q/pgmessaging/api/queues/work.dlq/redrive").then().statusCode(200).body("moved.work", equalTo(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.handled().size() == 3 && deadLettered() == 0);
        assertEquals(Map.of("job-0", 1, "job-1", 1, "job-2", 1), Map.copyOf(jobs.byPayload()));
    }

    @Test
    void groupsAndChannelsOverHttp() {
        jobs.click("a");
        await().atMost(Duration.ofSeconds(20)).until(() -> ops().get("/q/pgmessaging/api/topics/clicks/groups/counters")
                .then().statusCode(200).extract().jsonPath().getInt("liveMembers") == 1);
        ops().get("/q/pgmessaging/api/topics").then().statusCode(200).body("name", hasItem("clicks"));
        ops().contentType(ContentType.JSON).body(Map.of("to", "earliest"))
                .post("/q/pgmessaging/api/topics/clicks/groups/replayers/seek").then().statusCode(200)
                .body("offsets.'0'", equalTo(0));
        ops().contentType(ContentType.JSON).body(Map.of("to", "somewhere"))
                .post("/q/pgmessaging/api/topics/clicks/groups/replayers/seek").then().statusCode(400);
        ops().post("/q/pgmessaging/api/topics/clicks/groups/counters/delete").then().statusCode(409)
                .body("error", containsString("live members"));
        ops().get("/q/pgmessaging/api/topics/nothing/groups/counters").then().statusCode(404);
        ops().contentType(ContentType.JSON).body(Map.of("retention", "P30D"))
                .put("/q/pgmessaging/api/topics/clicks/retention").then().statusCode(200);
        ops().get("/q/pgmessaging/api/topics").then().body("find { it.name == 'clicks' }.retention", equalTo(2592000.0f));

        ops().post("/q/pgmessaging/api/channels/work/pause").then().statusCode(200).body("paused", equalTo(true));
        ops().get("/q/pgmessaging/api/channels").then().statusCode(200)
                .body("find { it.name == 'work' }.paused", equalTo(true))
                .body("find { it.name == 'work' }.model", equalTo("queue"))
                .body("find { it.name == 'work' }.attributes.queue", equalTo("work"));
        ops().get("/q/pgmessaging/api/channels/work").then().statusCode(200).body("paused", equalTo(true));
        ops().post("/q/pgmessaging/api/channels/work/resume").then().statusCode(200).body("paused", equalTo(false));
        ops().post("/q/pgmessaging/api/channels/nothing/pause").then().statusCode(404);
        ops().get("/q/pgmessaging/api/nothing").then().statusCode(404);
        ops().contentType(ContentType.JSON).body(Map.of("queue", "work", "routingKey", "k"))
                .post("/q/pgmessaging/api/exchanges/nowhere/bindings").then().statusCode(404)
                .body("error", containsString("PGMSG1014"));
        ops().contentType(ContentType.JSON).body(Map.of("routingKey", "k"))
                .post("/q/pgmessaging/api/exchanges/nowhere/bindings").then().statusCode(400);
        ops().get("/q/pgmessaging/api/queues?datasource=elsewhere").then().statusCode(404);
    }

    private int deadLettered() {
        return ops().get("/q/pgmessaging/api/queues").then().extract().jsonPath()
                .getInt("find { it.name == 'work' }.deadLettered");
    }
}
