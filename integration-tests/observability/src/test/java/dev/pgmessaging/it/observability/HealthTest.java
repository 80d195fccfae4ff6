package dev.pgmessaging.it.observability;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The channels in {@code /q/health} over HTTP: started, live and ready; while the database refuses
 * connections the consumers are not ready, with the database's error, and still live; ready again
 * by themselves once it is back (and a job sent then is handled), while the metrics' gauges count
 * their failed refreshes and keep their last values; a channel the {@code fail}
 * strategy stopped is not live, with the reason.
 */
@QuarkusTest
class HealthTest {

    static final String CHECK = "checks.find { it.name.startsWith('SmallRye Reactive Messaging') }";
    static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Jobs jobs;

    @Test
    void readyDownWhileTheDatabaseIsAwayUpWhenItIsBackAndNotLiveOnceAChannelFailStopped() throws Exception {
        await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/started").then().statusCode(200)
                .body(CHECK + ".data.jobs", equalTo("[OK]")).body(CHECK + ".data.events", equalTo("[OK]")));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                .body(CHECK + ".data.jobs", equalTo("[OK]")).body(CHECK + ".data.reports", equalTo("[OK]")));

        Config config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        String user = config.getValue("quarkus.datasource.username", String.class);
        String password = config.getOptionalValue("quarkus.datasource.password", String.class).orElse("");
        String database = url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
        // the gauges exist (the first scrape registers them) before the database goes away
        await().atMost(WAIT).until(() -> !Double.isNaN(Scrape.now().value("pgmessaging_queue_ready", "queue", "jobs")));
        Scrape before = Scrape.now();
        try (Connection admin = DriverManager.getConnection(url.substring(0, url.lastIndexOf('/') + 1) + "postgres", user,
                password)) {
            try {
                refuseConnections(admin, database, true);
                await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                        .body("status", equalTo("DOWN")).body(CHECK + ".data.jobs", startsWith("[KO] - ")));
                given().get("/q/health/live").then().statusCode(200).body(CHECK + ".data.jobs", equalTo("[OK]"));
                // the gauges cannot refresh: they say so, and keep their last values
                await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    Scrape now = Scrape.now();
                    assertTrue(now.sum("pgmessaging_gauges_refresh_failures_total")
                            > before.sum("pgmessaging_gauges_refresh_failures_total"),
                            () -> "a failed refresh is counted: " + now.lines("pgmessaging_gauges"));
                    assertEquals(before.value("pgmessaging_queue_ready", "queue", "jobs"),
                            now.value("pgmessaging_queue_ready", "queue", "jobs"),
                            () -> "the last value is kept: " + now.lines("pgmessaging_queue_ready"));
                });
            } finally {
                refuseConnections(admin, database, false);
            }
        }
        await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP")).body(CHECK + ".data.jobs", equalTo("[OK]")));
        given().post("/jobs/after-the-outage").then().statusCode(200);
        await().atMost(WAIT).until(() -> jobs.isDone("after-the-outage"));

        given().post("/reports/broken-1").then().statusCode(200);
        await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                .body("status", equalTo("DOWN"))
                .body(CHECK + ".data.reports", startsWith("[KO] - stopped by the fail strategy: "))
                .body(CHECK + ".data.jobs", equalTo("[OK]")));
    }

    /** Makes the database refuse new connections and ends the application's, or lets them in again. */
    private static void refuseConnections(Connection admin, String database, boolean refuse) throws Exception {
        try (Statement statement = admin.createStatement()) {
            statement.execute("ALTER DATABASE \"" + database + "\" WITH ALLOW_CONNECTIONS " + !refuse);
        }
        if (refuse) {
            try (PreparedStatement terminate = admin.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
                terminate.setString(1, database);
                terminate.execute();
            }
        }
    }
}
