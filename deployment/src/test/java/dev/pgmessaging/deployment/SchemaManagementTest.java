package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.schema.Migration;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/** Migrations run once however many instances start at the same time; validate says what is missing. */
class SchemaManagementTest {

    static final String SCHEMA = "schema_management_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.datasource.jdbc.max-size", "20");

    @Inject
    AgroalDataSource dataSource;

    @Test
    void concurrentStartupsCreateTheSchemaOnce() throws Exception {
        // Each "instance" migrates on its own connection, all released at the same instant.
        int instances = 6;
        String schema = "concurrent_startup_test";
        CyclicBarrier start = new CyclicBarrier(instances);
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        try {
            List<Future<?>> startups = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                startups.add(pool.submit(() -> {
                    start.await();
                    new SchemaManager(schema).migrate(dataSource);
                    return null;
                }));
            }
            for (Future<?> startup : startups) {
                startup.get(60, TimeUnit.SECONDS); // rethrows any startup failure
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(Migration.ALL.size(),
                Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + schema + "\".schema_version", null));
        assertEquals(0, Rows.queryLong(dataSource, "SELECT count(*) FROM \"" + schema + "\".queue_message", null));
        new SchemaManager(schema).validate(dataSource); // up to date now
    }

    @Test
    void validateNamesTheMissingMigrations() {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> new SchemaManager("never_created_test").validate(dataSource));
        assertTrue(failure.getMessage().contains("V1__baseline.sql"), failure.getMessage());
        assertTrue(failure.getMessage().contains("quarkus.messaging.postgres.schema-management"), failure.getMessage());
    }

    @Test
    void schemaNamesAreValidatedBeforeReachingSql() {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> new SchemaManager("bad\"; DROP SCHEMA public; --"));
        assertTrue(failure.getMessage().contains("not a valid schema name"), failure.getMessage());
    }
}
