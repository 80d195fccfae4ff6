package dev.pgmessaging.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report of a fault run: the run, the faults and the recovery times, the invariants; in
 * markdown (printed) and in AsciiDoc (for the docs: copy it to
 * docs/modules/ROOT/pages/includes/fault-figures.adoc to publish it).
 */
final class Report {

    private final List<String> intro = new ArrayList<>();
    private final List<List<String>> processes = new ArrayList<>();
    private final List<List<String>> faults = new ArrayList<>();
    private final List<List<String>> invariants = new ArrayList<>();
    private final List<String> problems;

    Report(Settings settings, List<AppProcess> all, List<FaultRun.Recovery> recoveries, List<Checks.Check> checks,
            int stalls, List<String> problems, Duration took) {
        this.problems = problems;
        intro.add(String.format("%d s of faults (%d s in all), %d consumer processes and a producer at %.0f outbox"
                + " transactions a second, each process through a TCP proxy of its own.", settings.duration().toSeconds(),
                took.toSeconds(), settings.consumers(), settings.rate()));
        processes.add(List.of("process", "role", "database role", "started"));
        for (AppProcess process : all) {
            processes.add(List.of(process.name, process.role, process.user, process.starts() + " time(s)"));
        }
        faults.add(List.of("fault", "count", "recovered", "median", "max", "max since the database was back"));
        Map<String, List<FaultRun.Recovery>> byKind = new TreeMap<>();
        recoveries.forEach(r -> byKind.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r));
        byKind.forEach((kind, list) -> {
            List<Long> times = list.stream().filter(r -> r.millis() >= 0).map(FaultRun.Recovery::millis).sorted().toList();
            long sinceBack = list.stream().mapToLong(FaultRun.Recovery::sinceDatabaseBackMillis).max().orElse(-1);
            faults.add(List.of(kind, String.valueOf(list.size()), String.valueOf(times.size()),
                    times.isEmpty() ? "-" : seconds(times.get(times.size() / 2)),
                    times.isEmpty() ? "-" : seconds(times.get(times.size() - 1)),
                    kind.startsWith("PostgreSQL") ? seconds(sinceBack) : "-"));
        });
        invariants.add(List.of("check", "value", ""));
        for (Checks.Check check : checks) {
            invariants.add(List.of(check.name(), String.valueOf(check.value()), check.ok() ? "ok" : "BROKEN"));
        }
        invariants.add(List.of("partitions owned and stalled for over 60 s during the run", String.valueOf(stalls),
                stalls == 0 ? "ok" : "BROKEN"));
    }

    String markdown() {
        StringBuilder out = new StringBuilder("## Fault run\n\n");
        intro.forEach(line -> out.append(line).append("\n\n"));
        table(out, processes, false);
        out.append("\n### Faults and recovery\n\n").append(RECOVERY).append("\n\n");
        table(out, faults, false);
        out.append("\n### Invariants (from the database)\n\n");
        table(out, invariants, false);
        if (!problems.isEmpty()) {
            out.append("\n### Problems\n\n");
            problems.forEach(problem -> out.append("- ").append(problem).append('\n'));
        }
        return out.toString();
    }

    String asciidoc() {
        StringBuilder out = new StringBuilder();
        intro.forEach(line -> out.append(line).append("\n\n"));
        out.append(".Processes\n");
        table(out, processes, true);
        out.append('\n').append(RECOVERY).append("\n\n.Faults and recovery\n");
        table(out, faults, true);
        out.append("\n.Invariants (from the database)\n");
        table(out, invariants, true);
        problems.forEach(problem -> out.append("\n* ").append(problem));
        return out.toString();
    }

    private static final String RECOVERY = "Recovery: from the fault until every process is ready again and the"
            + " handlers write effects again (for a PostgreSQL restart, also from when it accepted connections again).";

    private static void table(StringBuilder out, List<List<String>> rows, boolean asciidoc) {
        if (asciidoc) {
            out.append("[options=\"header\"]\n|===\n");
            rows.forEach(row -> out.append(String.join(" ", row.stream().map(cell -> "|" + cell).toList())).append('\n'));
            out.append("|===\n");
            return;
        }
        for (int i = 0; i < rows.size(); i++) {
            out.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
            if (i == 0) {
                out.append("|---".repeat(rows.get(0).size())).append("|\n");
            }
        }
    }

    private static String seconds(long millis) {
        return String.format("%.1f s", millis / 1000.0);
    }
}
