package dev.pgmessaging.fault;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of a fault run, from system properties (fault/run.sh sets them; the defaults are
 * the short run's).
 *
 * @param duration how long faults are injected
 * @param consumers how many consumer processes run (every other one as the application role)
 * @param rate the producer's outbox transactions per second
 * @param postgresRestarts how many times PostgreSQL restarts (alternately fast and immediate)
 * @param terminations how many times every application backend is terminated
 * @param stalls how many times a process's connections stall
 * @param postgresRestartCommand the shell command that restarts PostgreSQL ({mode}: fast or immediate)
 * @param minimumKills the faults go on past the duration until this many kills were made
 */
record Settings(Path jar, Path logs, Path report, String databaseUrl, String ownerUser, String ownerPassword,
        String appUser, String appPassword, Duration duration, int consumers, double rate, int postgresRestarts,
        int terminations, int stalls, String postgresRestartCommand, int firstHttpPort, int minimumKills) {

    static Settings fromSystemProperties() {
        return new Settings(Path.of(required("fault.jar")), Path.of(System.getProperty("fault.logs", "fault/target/logs")),
                Path.of(System.getProperty("fault.report", "fault/target/fault-report.md")), required("fault.db.url"),
                required("fault.owner.user"), required("fault.owner.password"), required("fault.app.user"),
                required("fault.app.password"), Duration.parse(System.getProperty("fault.duration", "PT3M")),
                Integer.getInteger("fault.consumers", 3), Double.parseDouble(System.getProperty("fault.rate", "30")),
                Integer.getInteger("fault.postgres-restarts", 1), Integer.getInteger("fault.terminations", 1),
                Integer.getInteger("fault.stalls", 1), required("fault.postgres-restart-command"),
                Integer.getInteger("fault.http-port", 18080), Integer.getInteger("fault.minimum-kills", 0));
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalArgumentException("Set -D" + name);
        }
        return value;
    }
}
