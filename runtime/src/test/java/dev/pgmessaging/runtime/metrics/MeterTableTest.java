package dev.pgmessaging.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The observability page's table of meters is rendered from {@link Meter}, the one place they are
 * declared. Run with {@code -Dpgmessaging.write-docs=true} to write it after changing a meter.
 */
class MeterTableTest {

    private static final Path TABLE = Path.of("../docs/modules/ROOT/pages/includes/metrics-table.adoc");

    @Test
    void theDocumentedTableIsTheDeclaredMeters() throws IOException {
        String rendered = render();
        if (Boolean.getBoolean("pgmessaging.write-docs")) {
            Files.writeString(TABLE, rendered);
        }
        assertEquals(rendered, Files.readString(TABLE),
                "docs table out of date: run MeterTableTest with -Dpgmessaging.write-docs=true");
    }

    private static String render() {
        return "// Rendered from dev.pgmessaging.runtime.metrics.Meter by MeterTableTest: do not edit.\n"
                + "[cols=\"3,1,1,2,5\",options=\"header\"]\n|===\n| Meter | Type | Unit | Tags | Meaning\n\n"
                + Stream.of(Meter.values())
                        .map(meter -> "| `" + meter.meterName + "` | " + meter.kind.name().toLowerCase(Locale.ROOT) + " | "
                                + (meter.unit == null ? "" : meter.unit) + " | " + meter.tags + " | " + meter.description
                                + "\n")
                        .collect(Collectors.joining())
                + "|===\n";
    }
}
