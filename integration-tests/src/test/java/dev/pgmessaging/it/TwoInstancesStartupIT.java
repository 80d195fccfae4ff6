package dev.pgmessaging.it;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pgmessaging.runtime.schema.Migration;
import io.quarkus.test.common.DevServicesContext;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Two more instances of the packaged application start at the same moment against a database
 * where their messaging schema does not exist yet: both start, and the schema is created once.
 */
@QuarkusIntegrationTest
@WithTestResource(TwoInstancesStartupIT.Database.class)
class TwoInstancesStartupIT {

    static final String SCHEMA = "two_instances_test";

    private final List<Process> instances = new ArrayList<>();

    /** Hands the Dev Services database settings (if Dev Services started one) to the test. */
    public static class Database implements QuarkusTestResourceLifecycleManager, DevServicesContext.ContextAware {
        static volatile Map<String, String> properties = Map.of();

        @Override
        public void setIntegrationTestContext(DevServicesContext context) {
            properties = context.devServicesProperties();
        }

        @Override
        public Map<String, String> start() {
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void concurrentStartupsCreateTheSchemaOnce() throws Exception {
        String url = setting("quarkus.datasource.jdbc.url", "QUARKUS_DATASOURCE_JDBC_URL");
        String user = setting("quarkus.datasource.username", "QUARKUS_DATASOURCE_USERNAME");
        String password = setting("quarkus.datasource.password", "QUARKUS_DATASOURCE_PASSWORD");
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path log = Files.createTempFile("two-instances-" + i + "-", ".log");
            logs.add(log);
            instances.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dquarkus.datasource.jdbc.url=" + url,
                    "-Dquarkus.datasource.username=" + user,
                    "-Dquarkus.datasource.password=" + password,
                    "-Dquarkus.messaging.postgres.schema=" + SCHEMA,
                    // the entity tables belong to the first instance; these two only race for the messaging schema
                    "-Dquarkus.hibernate-orm.schema-management.strategy=none",
                    "-Dquarkus.http.port=0",
                    "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start());
        }

        await().atMost(Duration.ofMinutes(2)).until(() -> logs.stream().allMatch(TwoInstancesStartupIT::started)
                || instances.stream().anyMatch(p -> !p.isAlive()));
        for (int i = 0; i < instances.size(); i++) {
            assertTrue(instances.get(i).isAlive() && started(logs.get(i)),
                    "instance " + i + " did not start:\n" + Files.readString(logs.get(i)));
        }
        try (Connection connection = DriverManager.getConnection(url, user, password);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + SCHEMA + ".schema_version")) {
            rs.next();
            assertEquals(Migration.ALL.size(), rs.getInt(1), "each migration recorded once");
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
        String value = Database.properties.get(property);
        return value != null ? value : System.getenv(environment);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process instance : instances) {
            instance.destroy();
        }
        for (Process instance : instances) {
            instance.waitFor();
        }
    }

    static {
        try {
            Class.forName("org.postgresql.Driver");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
