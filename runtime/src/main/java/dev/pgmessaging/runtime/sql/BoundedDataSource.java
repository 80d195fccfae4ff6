package dev.pgmessaging.runtime.sql;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.postgresql.PGConnection;

/**
 * The connections of the application's pool for the connector's own statements (claims, acks,
 * reads, appends, heartbeats, upkeep), with a network timeout: a read that gets no byte from the
 * server for that long fails, and its connection is closed, instead of waiting for ever.
 * <p>
 * Why: a connection can go half-open (the server or a proxy vanished without closing it, a
 * network partition): the socket then waits for an answer that never comes, and no database error
 * tells the channel. A claim or a heartbeat blocked that way held its channel past its visibility
 * timeout or session timeout. The pool's own timeout (none unless the application set one) is put
 * back when the connection is closed, so the application's statements on the same pooled
 * connections are not bounded by the connector's. Statements in the application's transactions
 * do not go through here.
 */
public final class BoundedDataSource implements DataSource {

    /** pgjdbc does not use it: the timeout is the socket's read timeout. */
    static final Executor DIRECT = Runnable::run;

    private final DataSource pool;
    private final int timeoutMillis;

    public BoundedDataSource(DataSource pool, Duration timeout) {
        this.pool = pool;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }

    /** The pool the connections come from. */
    public DataSource pool() {
        return pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return bounded(pool.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return bounded(pool.getConnection(username, password));
    }

    private Connection bounded(Connection connection) throws SQLException {
        try {
            // on the driver's connection: the pool's wrapper would check the connection's transaction
            // and record the change at each call, for a timeout that is put back here anyway (a
            // wrapper that hides the driver gets the timeout through itself)
            Connection driver = connection.isWrapperFor(PGConnection.class)
                    ? (Connection) connection.unwrap(PGConnection.class)
                    : connection;
            int previous = driver.getNetworkTimeout();
            driver.setNetworkTimeout(DIRECT, timeoutMillis);
            return new BoundedConnection(connection, driver, previous);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pool.isWrapperFor(type);
    }
}
