package dev.pgmessaging.fault;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches the consumer group during the run: a partition that an owner holds while records wait
 * in it, and whose committed offset does not move for {@code threshold}, is a stalled partition.
 * Each one is printed and counted once.
 */
final class StallMonitor implements AutoCloseable {

    private record Seen(long committed, long since, boolean reported) {
    }

    private final String url;
    private final String user;
    private final String password;
    private final String schema;
    private final long thresholdNanos;
    private final Map<Integer, Seen> seen = new HashMap<>();
    private final AtomicInteger stalls = new AtomicInteger();
    private final Thread thread;
    private volatile boolean running = true;

    StallMonitor(String url, String user, String password, String schema, long thresholdSeconds) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
        this.thresholdNanos = TimeUnit.SECONDS.toNanos(thresholdSeconds);
        this.thread = new Thread(this::watch, "stall-monitor");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    int stalls() {
        return stalls.get();
    }

    private void watch() {
        while (running) {
            try (Connection connection = DriverManager.getConnection(url, user, password);
                    Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT g.partition, g.owner, coalesce(g.committed_offset, 0), "
                            + schema + ".log_end_offset(t.id, g.partition) FROM " + schema + ".consumer_group_partition AS g"
                            + " JOIN " + schema + ".topic AS t ON t.id = g.topic_id"
                            + " WHERE t.name = 'events' AND g.group_id = 'effects'")) {
                long now = System.nanoTime();
                while (rs.next()) {
                    check(rs.getInt(1), rs.getString(2), rs.getLong(3), rs.getLong(4), now);
                }
            } catch (SQLException e) {
                // the database is away (a fault): look again at the next round
            }
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5)); // the monitor's pace
        }
    }

    private void check(int partition, String owner, long committed, long end, long now) {
        Seen last = seen.get(partition);
        if (last == null || last.committed() != committed || owner == null || committed >= end) {
            seen.put(partition, new Seen(committed, now, false));
            return;
        }
        if (!last.reported() && now - last.since() > thresholdNanos) {
            stalls.incrementAndGet();
            seen.put(partition, new Seen(committed, last.since(), true));
            System.out.printf("STALL: partition events-%d owned by %s made no progress for %d s while %d record(s)"
                    + " wait (committed offset %d)%n", partition, owner, TimeUnit.NANOSECONDS.toSeconds(now - last.since()),
                    end - committed, committed);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
