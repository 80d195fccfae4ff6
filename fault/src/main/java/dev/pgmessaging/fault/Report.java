package dev.pgmessaging.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The report of a fault run, in markdown: the run, the faults and the recovery times, the invariants. */
final class Report {

    private Report() {
    }

    static String markdown(Settings settings, List<AppProcess> processes, List<FaultRun.Recovery> recoveries,
            List<Checks.Check> checks, int stalls, List<String> problems, Duration took) {
        StringBuilder out = new StringBuilder();
        out.append("## Fault run\n\n");
        out.append(String.format("%d s of faults (%d s in all), %d consumer processes and a producer at %.0f outbox"
                + " transactions a second, each process through a TCP proxy of its own.%n%n",
                settings.duration().toSeconds(), took.toSeconds(), settings.consumers(), settings.rate()));
        out.append("| process | role | database role | started |\n|---|---|---|---|\n");
        for (AppProcess process : processes) {
            out.append(String.format("| %s | %s | %s | %d time(s) |%n", process.name, process.role, process.user,
                    process.starts()));
        }
        out.append("\n### Faults and recovery\n\n");
        out.append("Recovery: from the fault until every process is ready again and the handlers write effects again"
                + " (for a PostgreSQL restart, also from when it accepted connections again).\n\n");
        out.append("| fault | count | recovered | median | max | max since the database was back |\n");
        out.append("|---|---|---|---|---|---|\n");
        Map<String, List<FaultRun.Recovery>> byKind = new TreeMap<>();
        recoveries.forEach(r -> byKind.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r));
        byKind.forEach((kind, list) -> {
            List<Long> times = list.stream().filter(r -> r.millis() >= 0).map(FaultRun.Recovery::millis).sorted().toList();
            long sinceBack = list.stream().mapToLong(FaultRun.Recovery::sinceDatabaseBackMillis).max().orElse(-1);
            out.append(String.format("| %s | %d | %d | %s | %s | %s |%n", kind, list.size(), times.size(),
                    times.isEmpty() ? "-" : seconds(times.get(times.size() / 2)),
                    times.isEmpty() ? "-" : seconds(times.get(times.size() - 1)),
                    kind.startsWith("PostgreSQL") ? seconds(sinceBack) : "-"));
        });
        out.append("\n### Invariants (from the database)\n\n| check | value | |\n|---|---|---|\n");
        for (Checks.Check check : checks) {
            out.append(String.format("| %s | %d | %s |%n", check.name(), check.value(), check.ok() ? "ok" : "BROKEN"));
        }
        out.append(String.format("| partitions owned and stalled for over 60 s during the run | %d | %s |%n", stalls,
                stalls == 0 ? "ok" : "BROKEN"));
        if (!problems.isEmpty()) {
            out.append("\n### Problems\n\n");
            problems.forEach(problem -> out.append("- ").append(problem).append('\n'));
        }
        return out.toString();
    }

    private static String seconds(long millis) {
        return String.format("%.1f s", millis / 1000.0);
    }
}
