package dev.pgmessaging.it.observability;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of {@code /q/metrics} (Prometheus text format): the values of its samples. */
final class Scrape {

    /** A sample: name, labels, value, and maybe an exemplar (with OpenTelemetry, the trace of one observation). */
    private static final Pattern SAMPLE = Pattern
            .compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? (\\S+)( # .*)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String text;

    private Scrape(String text) {
        this.text = text;
    }

    static Scrape now() {
        return new Scrape(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    /**
     * The value of the sample of that name whose labels include those given (names and values in
     * turn); NaN when there is none, and an error when several match.
     */
    double value(String name, String... labels) {
        Double found = null;
        for (String line : text.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches() || !sample.group(1).equals(name) || !hasLabels(sample.group(3), labels)) {
                continue;
            }
            if (found != null) {
                throw new AssertionError("several samples " + name + " " + String.join(",", labels));
            }
            found = Double.parseDouble(sample.group(4));
        }
        return found == null ? Double.NaN : found;
    }

    /** The sum of the samples of that name whose labels include those given (0 when none). */
    double sum(String name, String... labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (sample.matches() && sample.group(1).equals(name) && hasLabels(sample.group(3), labels)) {
                sum += Double.parseDouble(sample.group(4));
            }
        }
        return sum;
    }

    private static boolean hasLabels(String labels, String... wanted) {
        Map<String, String> present = new java.util.HashMap<>();
        if (labels != null) {
            Matcher label = LABEL.matcher(labels);
            while (label.find()) {
                present.put(label.group(1), label.group(2));
            }
        }
        for (int i = 0; i < wanted.length; i += 2) {
            if (!wanted[i + 1].equals(present.get(wanted[i]))) {
                return false;
            }
        }
        return true;
    }

    /** The lines that start with the prefix (for an assertion's message). */
    String lines(String prefix) {
        return java.util.Arrays.stream(text.split("\n")).filter(line -> line.startsWith(prefix))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    @Override
    public String toString() {
        return text;
    }
}
