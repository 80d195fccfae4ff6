package dev.pgmessaging.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/**
 * What the database does for the application, from pg_stat_statements (bench/run.sh installs it):
 * the statements of the application's role. The statements that read them count too, two per
 * reading. (The database's transaction count would include autovacuum's.)
 */
final class DatabaseLoad {

    private final DataSource dataSource;

    DatabaseLoad(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** @return -1 without pg_stat_statements */
    long statements() throws SQLException {
        if (query("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'") == 0) {
            return -1;
        }
        return query("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
                + " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
    }

    /**
     * Starts a transaction that holds the xmin horizon (it has an xid, so vacuum keeps every row
     * version it might see) until the connection is closed.
     */
    Connection holdXmin() throws SQLException {
        Connection connection = dataSource.getConnection();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT txid_current()");
        }
        return connection;
    }

    private long query(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
