package dev.pgmessaging.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged demo has none of Micrometer, OpenTelemetry and SmallRye Health: the connector's
 * metrics, tracing and health checks stay out of its way, and it starts without a warning or an error.
 */
@QuarkusIntegrationTest
class StartupLogIT {

    @Test
    void startsWithoutAWarning() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("target/quarkus.log"));
        int started = 0;
        while (started < lines.size() && !lines.get(started).contains(" started in ")) {
            started++;
        }
        assertTrue(started < lines.size(), "the application started: " + lines);
        List<String> complaints = lines.subList(0, started).stream()
                .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).toList();
        assertEquals(List.of(), complaints);
    }
}
