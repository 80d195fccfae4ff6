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
 * The shape of the code that CONTRIBUTING.md describes: the packages depend on each other one way
 * (the queue and log models do not know each other, exchanges do not know queue channels, the
 * shared packages know no model, a topic channel's commit and failure strategies know nothing of
 * the channel), every log line goes through the one logging bundle, and no source file grows past
 * what a reader takes in.
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
            "channel", List.of("queue", "log", "exchange", "notify", "sql", "sink"),
            // logging builds the public API's exceptions; api itself imports nothing of the project
            "api", List.of("queue", "log", "exchange", "notify", "sql", "logging", "channel"),
            "tracing", List.of("queue", "log", "exchange", "notify", "sql", "channel", "sink"),
            "metrics", List.of("queue", "log", "exchange", "notify", "sql", "channel", "sink", "tracing", "outbox"),
            "logging", List.of("channel", "exchange", "log", "notify", "outbox", "payload", "queue", "schema", "sink",
                    "sql", "tx"));
    /** The most lines a main source file has: past that, it holds more than one thing. */
    private static final int MAX_LINES = 400;

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

    @Test
    void strategiesKnowNothingOfTheirChannel() {
        List<String> violations = Stream.of("log/commit", "log/fault")
                .flatMap(pkg -> imports(pkg).filter(line -> line.contains("dev.pgmessaging.runtime.log.")
                        && !line.contains("dev.pgmessaging.runtime." + pkg.replace('/', '.') + ".")))
                .toList();
        assertEquals(List.of(), violations);
    }

    @Test
    void everyLogLineGoesThroughTheBundle() {
        List<String> loggers = sources().filter(file -> !file.startsWith(SOURCES.resolve("logging")))
                .flatMap(file -> lines(file).filter(line -> line.contains("Logger.getLogger(")
                        || line.contains("import org.jboss.logging.Logger;")).map(line -> SOURCES.relativize(file) + " " + line))
                .toList();
        assertEquals(List.of(), loggers, "log through dev.pgmessaging.runtime.logging.PostgresLogging");
    }

    @Test
    void noSourceFileIsLongerThanAReaderTakesIn() {
        List<String> tooLong = sources().filter(file -> lines(file).count() > MAX_LINES)
                .map(file -> SOURCES.relativize(file) + " " + lines(file).count() + " lines").toList();
        assertEquals(List.of(), tooLong);
    }

    private static Stream<Path> sources() {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(file -> file.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
