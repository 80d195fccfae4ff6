package dev.pgmessaging.deployment;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

/** Reads (and for some tests, writes) a test's schema directly, to check what the connector stored. */
public final class Rows {

    private Rows() {
    }

    /** Runs one statement without parameters. */
    public static void execute(DataSource dataSource, String sql) {
        try (Connection c = dataSource.getConnection()) {
            c.createStatement().execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(DataSource dataSource, String schema, String queue) {
        return queryLong(dataSource, "SELECT count(*) FROM \"" + schema + "\".queue_message WHERE queue = ?", queue);
    }

    public static String header(DataSource dataSource, String schema, String queue, String header) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT headers ->> ? FROM \"" + schema + "\".queue_message WHERE queue = ? LIMIT 1")) {
            s.setString(1, header);
            s.setString(2, queue);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Committed and rolled back transactions of the database so far, as its statistics show them. */
    public static long transactions(DataSource dataSource) {
        return queryLong(dataSource,
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()");
    }

    /** The first column of the first row of a statement without parameters. */
    public static long queryLong(DataSource dataSource, String sql) {
        return queryLong(dataSource, sql, null);
    }

    /** The first column of the first row, with {@code parameter} bound to the one {@code ?} unless {@code null}. */
    public static long queryLong(DataSource dataSource, String sql, String parameter) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (parameter != null) {
                s.setString(1, parameter);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
