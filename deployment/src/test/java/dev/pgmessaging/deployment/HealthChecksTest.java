package dev.pgmessaging.deployment;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.restassured.path.json.JsonPath;

/**
 * The channels in {@code /q/health} (quarkus-smallrye-health), over HTTP: each channel started,
 * live and ready with {@code [OK]}; a channel with {@code health-enabled=false} in none of the checks,
 * one with {@code health-readiness-enabled=false} not in readiness; a channel the {@code fail}
 * strategy stopped is not live, with the reason; while the database refuses connections the
 * consumers are not ready (with why), still live, and ready again by themselves once it is back.
 */
class HealthChecksTest {

    static final String SCHEMA = "health_checks_test";
    static final String CHECK = "checks.find { it.name.startsWith('SmallRye Reactive Messaging') }";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Shop.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.to-jobs.queue", "jobs")
            .overrideConfigKey("mp.messaging.incoming.jobs.poll-interval", "200ms")
            .overrideConfigKey("mp.messaging.outgoing.to-strict.queue", "strict")
            .overrideConfigKey("mp.messaging.incoming.strict.failure-strategy", "fail")
            .overrideConfigKey("mp.messaging.incoming.quiet.health-enabled", "false")
            .overrideConfigKey("mp.messaging.incoming.relaxed.health-readiness-enabled", "false")
            .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF");

    @Inject
    Shop shop;

    @Test
    void channelsStartedLiveAndReadyThenAFailStopThenADatabaseOutage() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/q/health/started").then()
                .statusCode(200).body(CHECK + ".data.jobs", equalTo("[OK]")));
        JsonPath started = given().get("/q/health/started").then().extract().jsonPath();
        assertAbsent(started, "quiet");
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body(CHECK + ".data.relaxed", equalTo("[OK]")).body(CHECK + ".data.quiet", nullValue());
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(CHECK + ".data.jobs", equalTo("[OK]")).body(CHECK + ".data.'to-jobs'", equalTo("[OK]"))
                .body(CHECK + ".data.relaxed", nullValue()).body(CHECK + ".data.quiet", nullValue());

        // the fail strategy stops a channel for good: not live, and why
        shop.strict().send("poison");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                .body(CHECK + ".data.strict", startsWith("[KO] - stopped by the fail strategy: "))
                .body(CHECK + ".data.jobs", equalTo("[OK]")));

        // the database refuses connections: the consumers are not ready, and say why; still live
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        String user = ConfigProvider.getConfig().getValue("quarkus.datasource.username", String.class);
        String password = ConfigProvider.getConfig().getOptionalValue("quarkus.datasource.password", String.class).orElse("");
        String database = url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
        try (Connection admin = DriverManager.getConnection(url.substring(0, url.lastIndexOf('/') + 1) + "postgres", user,
                password)) {
            try {
                refuseConnections(admin, database, true);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                        .statusCode(503).body(CHECK + ".data.jobs", startsWith("[KO] - ")));
                given().get("/q/health/live").then().body(CHECK + ".data.jobs", equalTo("[OK]"));
            } finally {
                refuseConnections(admin, database, false);
            }
        }
        // back: ready again by itself, and working
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                .body(CHECK + ".data.jobs", equalTo("[OK]")));
        shop.jobs().send("after");
        await().atMost(Duration.ofSeconds(20)).until(() -> shop.handled().contains("after"));
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

    private static void assertAbsent(JsonPath health, String channel) {
        if (health.get(CHECK + ".data." + channel) != null) {
            throw new AssertionError(channel + " is reported: " + health.prettify());
        }
    }

    @ApplicationScoped
    public static class Shop {

        private final Set<String> handled = ConcurrentHashMap.newKeySet();

        @Inject
        @Channel("to-jobs")
        Emitter<String> jobs;
        @Inject
        @Channel("to-strict")
        Emitter<String> strict;

        Emitter<String> jobs() {
            return jobs;
        }

        Emitter<String> strict() {
            return strict;
        }

        Set<String> handled() {
            return handled;
        }

        @Incoming("jobs")
        void job(String job) {
            handled.add(job);
        }

        @Incoming("strict")
        void strict(String job) {
            throw new IllegalStateException("refused " + job);
        }

        @Incoming("quiet")
        void quiet(String job) {
        }

        @Incoming("relaxed")
        void relaxed(String job) {
        }
    }
}
