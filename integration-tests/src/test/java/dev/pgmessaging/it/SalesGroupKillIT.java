package dev.pgmessaging.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;

/**
 * A member of a consumer group is killed mid-stream (kill -9 of a second instance of the packaged
 * application): the surviving instance takes its partitions once its session timeout has passed,
 * every record of the order event log is processed, and the only records processed twice are
 * those the killed instance had processed after its last commit.
 */
@QuarkusIntegrationTest
@WithTestResource(TwoInstancesStartupIT.Database.class)
class SalesGroupKillIT {

    static final String SCHEMA = "pgmessaging";
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);
    static final int ORDERS = 200;

    private Process killed;

    @Test
    void aKilledMemberLosesNothingCommittedAndOnlyItsUncommittedRecordsComeAgain() throws Exception {
        String url = setting("quarkus.datasource.jdbc.url", "QUARKUS_DATASOURCE_JDBC_URL");
        String user = setting("quarkus.datasource.username", "QUARKUS_DATASOURCE_USERNAME");
        String password = setting("quarkus.datasource.password", "QUARKUS_DATASOURCE_PASSWORD");
        Path log = Files.createTempFile("sales-killed-", ".log");
        killed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.datasource.jdbc.url=" + url,
                "-Dquarkus.datasource.username=" + user,
                "-Dquarkus.datasource.password=" + password,
                "-Dquarkus.hibernate-orm.schema-management.strategy=none",
                "-Dquarkus.http.port=0",
                "-Ddemo.instance=killed",
                // slow work, so that it is mid-stream when it dies
                "-Ddemo.sales.work=25ms",
                "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofMinutes(2)).until(() -> started(log) || !killed.isAlive());
        assertTrue(killed.isAlive(), "the second instance did not start:\n" + Files.readString(log));

        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            // both instances are members and own partitions
            await().atMost(Duration.ofSeconds(30)).until(() -> owners(connection) == 2);
            for (int i = 0; i < ORDERS; i++) {
                given().contentType(ContentType.JSON).body("{\"product\":\"p" + (i % 13) + "\",\"quantity\":1}")
                        .when().post("/orders").then().statusCode(201);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> count(connection,
                    "SELECT count(*) FROM SaleRecorded WHERE instance = 'killed'") >= 20);
            killed.destroyForcibly().waitFor();
            long died = System.nanoTime();
            Map<Integer, Long> committedAtDeath = committed(connection);

            // the survivor owns every partition once the dead member's session expired
            await().atMost(SESSION_TIMEOUT.multipliedBy(3)).until(() -> owners(connection) == 1
                    && count(connection, "SELECT count(*) FROM " + SCHEMA + ".consumer_group_partition"
                            + " WHERE group_id = 'sales' AND owner IS NULL") == 0);
            assertTrue(System.nanoTime() - died < SESSION_TIMEOUT.plusSeconds(3).toNanos(),
                    "the partitions moved within the session timeout and a heartbeat or two");

            long records = count(connection, "SELECT sum(" + SCHEMA + ".log_end_offset(t.id, p)) FROM " + SCHEMA
                    + ".topic AS t, generate_series(0, t.partitions - 1) AS p WHERE t.name = 'order-events'");
            await().atMost(Duration.ofSeconds(60)).until(() -> count(connection,
                    "SELECT count(DISTINCT (eventPartition, eventOffset)) FROM SaleRecorded") == records);
            // processed twice: only records past the killed member's last commit
            System.out.printf("The killed instance processed %d records; %d were processed again by the survivor%n",
                    count(connection, "SELECT count(*) FROM SaleRecorded WHERE instance = 'killed'"),
                    count(connection, "SELECT count(*) FROM (SELECT 1 FROM SaleRecorded GROUP BY eventPartition,"
                            + " eventOffset HAVING count(*) > 1) AS twice"));
            try (Statement statement = connection.createStatement();
                    ResultSet twice = statement.executeQuery("SELECT eventPartition, eventOffset FROM SaleRecorded"
                            + " GROUP BY 1, 2 HAVING count(*) > 1")) {
                while (twice.next()) {
                    int partition = twice.getInt(1);
                    long offset = twice.getLong(2);
                    assertTrue(offset >= committedAtDeath.get(partition), "record " + partition + "@" + offset
                            + " was committed (up to " + committedAtDeath.get(partition) + ") and still came again");
                }
            }
            assertEquals(0, count(connection, "SELECT count(*) FROM SaleRecorded WHERE instance = 'main'"
                    + " GROUP BY eventPartition, eventOffset HAVING count(*) > 1 LIMIT 1"),
                    "the survivor processed no record twice itself");
        }
    }

    private static long owners(Connection connection) throws SQLException {
        return count(connection, "SELECT count(DISTINCT owner) FROM " + SCHEMA + ".consumer_group_partition"
                + " WHERE group_id = 'sales'");
    }

    private static Map<Integer, Long> committed(Connection connection) throws SQLException {
        Map<Integer, Long> committed = new HashMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT partition, coalesce(committed_offset, 0) FROM " + SCHEMA
                        + ".consumer_group_partition WHERE group_id = 'sales'")) {
            while (rs.next()) {
                committed.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return committed;
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static boolean started(Path log) {
        try {
            return Files.readString(log).contains("started in");
        } catch (IOException e) {
            return false;
        }
    }

    private String setting(String property, String environment) {
        String value = TwoInstancesStartupIT.Database.properties.get(property);
        return value != null ? value : System.getenv(environment);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (killed != null && killed.isAlive()) {
            killed.destroyForcibly().waitFor();
        }
    }
}
