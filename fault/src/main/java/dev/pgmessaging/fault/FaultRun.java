package dev.pgmessaging.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.pgmessaging.deployment.faults.TcpProxy;

/**
 * The fault suite's driver (fault/run.sh starts it): runs several consumer processes and a producer
 * process of the fault application against the PostgreSQL server, each through a TCP proxy of its
 * own, some as the schema's owner and some as a least-privilege application role; injects faults
 * one after the other (SIGKILL of a process, then its restart; a restart of PostgreSQL; the
 * termination of every application backend; stalled connections); after each, measures how long
 * until every process is ready again and the handlers make progress, without restarting any process
 * that was not killed. Then it stops the producer, waits until everything was handled, checks the
 * invariants from the database ({@link Checks}) and prints a report. Exits 1 if an invariant broke.
 * <p>
 * Settings are system properties {@code fault.*} (see {@link Settings}).
 */
public final class FaultRun {

    private static final String SCHEMA = "pgmessaging";
    private static final Duration RECOVERY_LIMIT = Duration.ofMinutes(3);

    private final Settings settings;
    private final Random random = new Random();
    private final List<AppProcess> consumers = new ArrayList<>();
    private final List<Recovery> recoveries = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private AppProcess producer;
    private int kills;

    /** A fault and how long the application took to recover from it (-1: it did not, within the limit). */
    record Recovery(String kind, String target, long millis, long sinceDatabaseBackMillis) {
    }

    private FaultRun(Settings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        FaultRun run = new FaultRun(Settings.fromSystemProperties());
        System.exit(run.run() ? 0 : 1);
    }

    private boolean run() throws Exception {
        Files.createDirectories(settings.logs());
        createTables();
        // the first process migrates the schema as its owner; the others start once it has
        AppProcess first = process("consumer-1", "consumer", settings.ownerUser(), settings.ownerPassword(), 0);
        consumers.add(first);
        first.start();
        awaitOrFail("consumer-1 to start", first::ready);
        execute("SELECT " + SCHEMA + ".grant_application_role('" + settings.appUser() + "')");
        for (int i = 2; i <= settings.consumers(); i++) {
            // every other consumer as the least-privilege application role
            boolean least = i % 2 == 0;
            consumers.add(process("consumer-" + i, "consumer", least ? settings.appUser() : settings.ownerUser(),
                    least ? settings.appPassword() : settings.ownerPassword(), i - 1));
        }
        producer = process("producer", "producer", settings.appUser(), settings.appPassword(), settings.consumers());
        for (AppProcess process : all()) {
            if (!process.alive()) {
                process.start();
            }
        }
        awaitOrFail("every process to start", this::allReady);
        System.out.printf("Started %s%n", all());

        long started = System.nanoTime();
        try (StallMonitor stalls = new StallMonitor(settings.databaseUrl(), settings.ownerUser(), settings.ownerPassword(),
                SCHEMA, 60)) {
            injectFaults(started);
            producer.stop();
            System.out.println("Producer stopped; waiting for every message and record to be handled");
            Checks checks = new Checks(SCHEMA);
            boolean drained = await(Duration.ofMinutes(10), () -> query(connection -> checks.drained(connection)));
            if (!drained) {
                problems.add("not everything was handled within 10 minutes of the producer's stop");
            }
            List<Checks.Check> results = query(checks::run);
            for (AppProcess consumer : consumers) {
                if (!consumer.ready() || !consumer.live()) {
                    problems.add(consumer.name + " is not ready and live at the end");
                }
            }
            Report report = new Report(settings, all(), recoveries, results, stalls.stalls(), problems,
                    Duration.ofNanos(System.nanoTime() - started));
            System.out.println(report.markdown());
            Files.writeString(settings.report(), report.markdown());
            Files.writeString(settings.report().resolveSibling("fault-figures.adoc"), report.asciidoc());
            for (AppProcess consumer : consumers) {
                consumer.stop();
            }
            return problems.isEmpty() && stalls.stalls() == 0 && results.stream().allMatch(Checks.Check::ok);
        } finally {
            for (AppProcess process : all()) {
                if (process.alive()) {
                    process.kill();
                }
                process.proxy.close();
            }
        }
    }

    /**
     * One fault after another until the duration is over, each after the application recovered
     * from the previous one and a pause of 5 to 10 s: PostgreSQL restarts, backend terminations and
     * stalls spread evenly over the run, kills in between.
     */
    private void injectFaults(long started) throws Exception {
        TreeMap<Long, String> planned = new TreeMap<>();
        plan(planned, started, settings.postgresRestarts(), "postgres-restart", 1);
        plan(planned, started, settings.terminations(), "backend-termination", 2);
        plan(planned, started, settings.stalls(), "stalled-connections", 3);
        long end = started + settings.duration().toNanos();
        int restarts = 0;
        while (System.nanoTime() - end < 0 || !planned.isEmpty() || kills < settings.minimumKills()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5_000 + random.nextInt(5_000))); // the faults' pace
            Long due = planned.floorKey(System.nanoTime());
            String kind = due == null ? "kill" : planned.remove(due);
            switch (kind) {
                case "postgres-restart" -> restartPostgres(restarts++ % 2 == 0 ? "fast" : "immediate");
                case "backend-termination" -> terminateBackends();
                case "stalled-connections" -> stallConnections(pick());
                default -> kill(pick());
            }
        }
    }

    private void plan(TreeMap<Long, String> planned, long started, int count, String kind, int offset) {
        long step = settings.duration().toNanos() / (count + 1);
        for (int i = 1; i <= count; i++) {
            long at = started + step * i + TimeUnit.SECONDS.toNanos(offset * 7L);
            planned.put(at, kind);
        }
    }

    /** A consumer, or now and then the producer. */
    private AppProcess pick() {
        int index = random.nextInt(consumers.size() + 1);
        return index == consumers.size() ? producer : consumers.get(index);
    }

    private void kill(AppProcess target) throws Exception {
        kills++;
        long before = effects();
        long at = System.nanoTime();
        target.kill();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_000 + random.nextInt(2_000))); // as an orchestrator would
        target.start();
        recovered("kill -9", target.name, at, at, before);
    }

    private void restartPostgres(String mode) throws Exception {
        long before = effects();
        long at = System.nanoTime();
        Process restart = new ProcessBuilder("sh", "-c", settings.postgresRestartCommand().replace("{mode}", mode))
                .inheritIO().start();
        if (!restart.waitFor(2, TimeUnit.MINUTES) || restart.exitValue() != 0) {
            problems.add("PostgreSQL did not restart (" + mode + ")");
        }
        recovered("PostgreSQL restart (" + mode + ")", "postgres", at, System.nanoTime(), before);
    }

    private void terminateBackends() throws Exception {
        long before = effects();
        long at = System.nanoTime();
        long terminated = query(connection -> Checks.count(connection, "SELECT count(pg_terminate_backend(pid))"
                + " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                + " AND usename IN ('" + settings.ownerUser() + "', '" + settings.appUser() + "')"));
        recovered("backend termination", terminated + " backends", at, at, before);
    }

    /**
     * Every connection of the process stops forwarding without closing (half-open); once it has
     * recovered on new connections, the partition heals, and the server learns which ones the process
     * gave up on.
     */
    private void stallConnections(AppProcess target) throws Exception {
        long before = effects();
        long at = System.nanoTime();
        int stalled = target.proxy.stallAll();
        recovered("stalled connections", target.name + " (" + stalled + ")", at, at, before);
        target.proxy.healAll();
    }

    /** Waits until every process is ready and the handlers wrote effects past {@code before}. */
    private void recovered(String kind, String target, long at, long databaseBack, long before) {
        boolean ok = await(RECOVERY_LIMIT, () -> allReady() && effectsOrZero() > before);
        long now = System.nanoTime();
        Recovery recovery = new Recovery(kind, target, ok ? TimeUnit.NANOSECONDS.toMillis(now - at) : -1,
                ok ? TimeUnit.NANOSECONDS.toMillis(now - databaseBack) : -1);
        recoveries.add(recovery);
        System.out.printf("%s of %s: %s%n", kind, target, ok ? "recovered in " + recovery.millis() + " ms" : "NOT RECOVERED");
        if (!ok) {
            all().stream().filter(p -> !p.ready()).forEach(p -> problems.add(p.name + " did not recover from " + kind));
        }
    }

    private boolean allReady() {
        return all().stream().allMatch(AppProcess::ready);
    }

    private List<AppProcess> all() {
        List<AppProcess> all = new ArrayList<>(consumers);
        if (producer != null) {
            all.add(producer);
        }
        return all;
    }

    /** The number of the last effect written: it grows while the handlers work. */
    private long effects() throws SQLException {
        return query(connection -> Checks.count(connection, "SELECT coalesce(max(seq), 0) FROM fault_effect"));
    }

    private long effectsOrZero() {
        try {
            return effects();
        } catch (SQLException e) {
            return 0;
        }
    }

    private AppProcess process(String name, String role, String user, String password, int index) throws IOException {
        TcpProxy proxy = TcpProxy.inFrontOf(settings.databaseUrl());
        List<String> options = new ArrayList<>(List.of("-Dfault.producer.rate=" + settings.rate()));
        return new AppProcess(name, role, user, password, settings.firstHttpPort() + index, proxy, settings.databaseUrl(),
                settings.jar(), settings.logs(), options);
    }

    private void createTables() throws SQLException {
        execute("CREATE TABLE IF NOT EXISTS fault_produced (id text PRIMARY KEY, kind text NOT NULL,"
                + " produced_at timestamptz NOT NULL DEFAULT now())");
        // no unique key on the id: an effect applied twice must show
        execute("CREATE TABLE IF NOT EXISTS fault_effect (seq bigserial PRIMARY KEY, id text NOT NULL, kind text NOT NULL,"
                + " process text NOT NULL, partition integer, \"offset\" bigint,"
                + " handled_at timestamptz NOT NULL DEFAULT clock_timestamp())");
        execute("CREATE INDEX IF NOT EXISTS fault_effect_id_idx ON fault_effect (id)");
        execute("CREATE TABLE IF NOT EXISTS fault_sent (id text PRIMARY KEY)");
        execute("GRANT SELECT, INSERT ON fault_produced, fault_effect, fault_sent TO " + settings.appUser());
        execute("GRANT USAGE ON SEQUENCE fault_effect_seq_seq TO " + settings.appUser());
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @FunctionalInterface
    interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T query(Query<T> query) throws SQLException {
        try (Connection connection = connect()) {
            return query.run(connection);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(settings.databaseUrl(), settings.ownerUser(), settings.ownerPassword());
    }

    private void awaitOrFail(String what, SqlCondition condition) {
        if (!await(RECOVERY_LIMIT, condition)) {
            throw new IllegalStateException("Timed out waiting for " + what + "; see the logs in " + settings.logs());
        }
    }

    /** Polls until the condition holds (a query that fails counts as false), at most {@code limit}. */
    private static boolean await(Duration limit, SqlCondition condition) {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() - end < 0) {
            try {
                if (condition.holds()) {
                    return true;
                }
            } catch (SQLException e) {
                // the database is away: not yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250)); // the poll interval
        }
        return false;
    }

    @FunctionalInterface
    interface SqlCondition {
        boolean holds() throws SQLException;
    }
}
