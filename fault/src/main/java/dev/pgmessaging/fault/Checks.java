package dev.pgmessaging.fault;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the database holds after a fault run, and the invariants it must meet: every message and
 * record committed by the producer handled, none twice, none that was not committed; no message
 * left in the queue or dead-lettered; every partition of the topic handled to its end, each
 * offset once, and committed.
 */
final class Checks {

    /** One figure or invariant: {@code ok} is false for a broken invariant. */
    record Check(String name, long value, boolean ok) {
    }

    private final String schema;

    Checks(String schema) {
        this.schema = schema;
    }

    /** Whether everything sent has been handled and committed (the run can be checked). */
    boolean drained(Connection connection) throws SQLException {
        // the cheap checks first: the last one reads every row
        return count(connection, "SELECT count(*) FROM " + schema + ".queue_message WHERE queue = 'jobs'") == 0
                && count(connection, lagSql()) == 0
                && count(connection, "SELECT count(*) FROM fault_produced AS p WHERE NOT EXISTS"
                        + " (SELECT 1 FROM fault_effect AS e WHERE e.id = p.id)") == 0;
    }

    List<Check> run(Connection connection) throws SQLException {
        List<Check> checks = new ArrayList<>();
        figure(checks, connection, "queue messages committed by the producer",
                "SELECT count(*) FROM fault_produced WHERE kind = 'queue'");
        figure(checks, connection, "topic records committed by the producer",
                "SELECT count(*) FROM fault_produced WHERE kind = 'topic'");
        figure(checks, connection, "messages sent outside a transaction and acked",
                "SELECT count(*) FROM fault_sent");
        figure(checks, connection, "effects written by the handlers", "SELECT count(*) FROM fault_effect");
        figure(checks, connection, "jobs dead-lettered, redriven and handled (Effects.poison)",
                "SELECT count(*) FROM fault_effect WHERE kind = 'queue' AND id LIKE '%7-q0'");
        zero(checks, connection, "committed queue messages never handled (lost)",
                "SELECT count(*) FROM fault_produced AS p WHERE p.kind = 'queue'"
                        + " AND NOT EXISTS (SELECT 1 FROM fault_effect AS e WHERE e.id = p.id)");
        zero(checks, connection, "committed topic records never handled (lost)",
                "SELECT count(*) FROM fault_produced AS p WHERE p.kind = 'topic'"
                        + " AND NOT EXISTS (SELECT 1 FROM fault_effect AS e WHERE e.id = p.id)");
        zero(checks, connection, "acked sends never handled (lost)",
                "SELECT count(*) FROM fault_sent AS s WHERE NOT EXISTS (SELECT 1 FROM fault_effect AS e WHERE e.id = s.id)");
        zero(checks, connection, "messages and records whose effect was applied twice",
                "SELECT count(*) FROM (SELECT id FROM fault_effect GROUP BY id HAVING count(*) > 1) AS twice");
        zero(checks, connection, "effects of messages no committed transaction sent",
                "SELECT count(*) FROM fault_effect AS e WHERE e.id NOT LIKE '%-n'"
                        + " AND NOT EXISTS (SELECT 1 FROM fault_produced AS p WHERE p.id = e.id)");
        zero(checks, connection, "messages left in the queue",
                "SELECT count(*) FROM " + schema + ".queue_message WHERE queue = 'jobs'");
        zero(checks, connection, "messages dead-lettered",
                "SELECT count(*) FROM " + schema + ".queue_message WHERE queue = 'jobs.dlq'");
        zero(checks, connection, "partitions not handled exactly once to their end",
                "SELECT count(*) FROM " + schema + ".topic AS t CROSS JOIN generate_series(0, t.partitions - 1) AS p"
                        + " WHERE t.name = 'events' AND " + schema + ".log_end_offset(t.id, p) <>"
                        + " (SELECT count(DISTINCT e.\"offset\") FROM fault_effect AS e WHERE e.kind = 'topic' AND e.partition = p)");
        zero(checks, connection, "partitions whose committed offset is not their end", lagSql());
        return checks;
    }

    /** Partitions of the group whose committed offset is behind their log end offset. */
    private String lagSql() {
        return "SELECT count(*) FROM " + schema + ".topic AS t CROSS JOIN generate_series(0, t.partitions - 1) AS p"
                + " LEFT JOIN " + schema + ".consumer_group_partition AS g ON g.group_id = 'effects'"
                + " AND g.topic_id = t.id AND g.partition = p"
                + " WHERE t.name = 'events' AND coalesce(g.committed_offset, 0) < " + schema + ".log_end_offset(t.id, p)";
    }

    private static void figure(List<Check> checks, Connection connection, String name, String sql) throws SQLException {
        checks.add(new Check(name, count(connection, sql), true));
    }

    private static void zero(List<Check> checks, Connection connection, String name, String sql) throws SQLException {
        long value = count(connection, sql);
        checks.add(new Check(name, value, value == 0));
    }

    static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
