package dev.pgmessaging.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages depend on each other one way (CONTRIBUTING.md): the queue and log models do not
 * know each other, exchanges do not know queue channels, and the shared packages (api, sql,
 * notify, payload, tx, channel) know no model.
 */
class PackageDependenciesTest {

    private static final Path SOURCES = Path.of("src/main/java/dev/pgmessaging/runtime");

    /** package → the packages it must not import. */
    private static final Map<String, List<String>> FORBIDDEN = Map.of(
            "log", List.of("queue", "exchange"),
            "queue", List.of("log"),
            "exchange", List.of("queue", "log"),
            "notify", List.of("queue", "log", "exchange"),
            "sql", List.of("queue", "log", "exchange", "notify"),
            "api", List.of("queue", "log", "exchange", "notify", "sql"),
            "channel", List.of("queue", "log", "exchange", "notify", "sql", "sink", "source"));

    @Test
    void dependenciesPointOneWay() {
        List<String> violations = FORBIDDEN.entrySet().stream()
                .flatMap(rule -> imports(rule.getKey())
                        .filter(line -> rule.getValue().stream()
                                .anyMatch(other -> line.contains("dev.pgmessaging.runtime." + other + ".")))
                        .map(line -> rule.getKey() + ": " + line))
                .sorted().toList();
        assertEquals(List.of(), violations);
    }

    /** The import lines of the package's files (its subpackages included), each prefixed by its file. */
    private static Stream<String> imports(String pkg) {
        try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg))) {
            return files.filter(file -> file.toString().endsWith(".java")).toList().stream()
                    .flatMap(file -> lines(file).filter(line -> line.startsWith("import "))
                            .map(line -> SOURCES.relativize(file) + " " + line));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
