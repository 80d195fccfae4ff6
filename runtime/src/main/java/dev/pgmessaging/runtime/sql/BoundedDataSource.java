package dev.pgmessaging.runtime.sql;

import java.io.PrintWriter;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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
    private static final Executor DIRECT = Runnable::run;

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

    /** A pooled connection with the connector's network timeout, put back to the pool's on close. */
    private static final class BoundedConnection implements Connection {

        private final Connection connection;
        private final Connection driver;
        private final int previousTimeout;

        BoundedConnection(Connection connection, Connection driver, int previousTimeout) {
            this.connection = connection;
            this.driver = driver;
            this.previousTimeout = previousTimeout;
        }

        @Override
        public void close() throws SQLException {
            try {
                if (!driver.isClosed()) {
                    driver.setNetworkTimeout(DIRECT, previousTimeout);
                }
            } finally {
                connection.close();
            }
        }

        @Override
        public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
            connection.setNetworkTimeout(executor, milliseconds);
        }

        @Override
        public int getNetworkTimeout() throws SQLException {
            return connection.getNetworkTimeout();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return type.isInstance(this) ? type.cast(this) : connection.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return type.isInstance(this) || connection.isWrapperFor(type);
        }

        @Override
        public Statement createStatement() throws SQLException {
            return connection.createStatement();
        }

        @Override
        public PreparedStatement prepareStatement(String sql) throws SQLException {
            return connection.prepareStatement(sql);
        }

        @Override
        public CallableStatement prepareCall(String sql) throws SQLException {
            return connection.prepareCall(sql);
        }

        @Override
        public String nativeSQL(String sql) throws SQLException {
            return connection.nativeSQL(sql);
        }

        @Override
        public void setAutoCommit(boolean a) throws SQLException {
            connection.setAutoCommit(a);
        }

        @Override
        public boolean getAutoCommit() throws SQLException {
            return connection.getAutoCommit();
        }

        @Override
        public void commit() throws SQLException {
            connection.commit();
        }

        @Override
        public void rollback() throws SQLException {
            connection.rollback();
        }

        @Override
        public boolean isClosed() throws SQLException {
            return connection.isClosed();
        }

        @Override
        public DatabaseMetaData getMetaData() throws SQLException {
            return connection.getMetaData();
        }

        @Override
        public void setReadOnly(boolean a) throws SQLException {
            connection.setReadOnly(a);
        }

        @Override
        public boolean isReadOnly() throws SQLException {
            return connection.isReadOnly();
        }

        @Override
        public void setCatalog(String a) throws SQLException {
            connection.setCatalog(a);
        }

        @Override
        public String getCatalog() throws SQLException {
            return connection.getCatalog();
        }

        @Override
        public void setTransactionIsolation(int a) throws SQLException {
            connection.setTransactionIsolation(a);
        }

        @Override
        public int getTransactionIsolation() throws SQLException {
            return connection.getTransactionIsolation();
        }

        @Override
        public SQLWarning getWarnings() throws SQLException {
            return connection.getWarnings();
        }

        @Override
        public void clearWarnings() throws SQLException {
            connection.clearWarnings();
        }

        @Override
        public Statement createStatement(int a, int b) throws SQLException {
            return connection.createStatement(a, b);
        }

        @Override
        public PreparedStatement prepareStatement(String sql, int b, int c) throws SQLException {
            return connection.prepareStatement(sql, b, c);
        }

        @Override
        public CallableStatement prepareCall(String sql, int b, int c) throws SQLException {
            return connection.prepareCall(sql, b, c);
        }

        @Override
        public Map<String, Class<?>> getTypeMap() throws SQLException {
            return connection.getTypeMap();
        }

        @Override
        public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
            connection.setTypeMap(map);
        }

        @Override
        public void setHoldability(int a) throws SQLException {
            connection.setHoldability(a);
        }

        @Override
        public int getHoldability() throws SQLException {
            return connection.getHoldability();
        }

        @Override
        public Savepoint setSavepoint() throws SQLException {
            return connection.setSavepoint();
        }

        @Override
        public Savepoint setSavepoint(String a) throws SQLException {
            return connection.setSavepoint(a);
        }

        @Override
        public void rollback(Savepoint a) throws SQLException {
            connection.rollback(a);
        }

        @Override
        public void releaseSavepoint(Savepoint a) throws SQLException {
            connection.releaseSavepoint(a);
        }

        @Override
        public Statement createStatement(int a, int b, int c) throws SQLException {
            return connection.createStatement(a, b, c);
        }

        @Override
        public PreparedStatement prepareStatement(String sql, int b, int c, int d) throws SQLException {
            return connection.prepareStatement(sql, b, c, d);
        }

        @Override
        public CallableStatement prepareCall(String sql, int b, int c, int d) throws SQLException {
            return connection.prepareCall(sql, b, c, d);
        }

        @Override
        public PreparedStatement prepareStatement(String sql, int b) throws SQLException {
            return connection.prepareStatement(sql, b);
        }

        @Override
        public PreparedStatement prepareStatement(String sql, int[] b) throws SQLException {
            return connection.prepareStatement(sql, b);
        }

        @Override
        public PreparedStatement prepareStatement(String sql, String[] b) throws SQLException {
            return connection.prepareStatement(sql, b);
        }

        @Override
        public Clob createClob() throws SQLException {
            return connection.createClob();
        }

        @Override
        public Blob createBlob() throws SQLException {
            return connection.createBlob();
        }

        @Override
        public NClob createNClob() throws SQLException {
            return connection.createNClob();
        }

        @Override
        public SQLXML createSQLXML() throws SQLException {
            return connection.createSQLXML();
        }

        @Override
        public boolean isValid(int a) throws SQLException {
            return connection.isValid(a);
        }

        @Override
        public void setClientInfo(String a, String b) throws SQLClientInfoException {
            connection.setClientInfo(a, b);
        }

        @Override
        public void setClientInfo(Properties a) throws SQLClientInfoException {
            connection.setClientInfo(a);
        }

        @Override
        public String getClientInfo(String a) throws SQLException {
            return connection.getClientInfo(a);
        }

        @Override
        public Properties getClientInfo() throws SQLException {
            return connection.getClientInfo();
        }

        @Override
        public Array createArrayOf(String a, Object[] b) throws SQLException {
            return connection.createArrayOf(a, b);
        }

        @Override
        public Struct createStruct(String a, Object[] b) throws SQLException {
            return connection.createStruct(a, b);
        }

        @Override
        public void setSchema(String a) throws SQLException {
            connection.setSchema(a);
        }

        @Override
        public String getSchema() throws SQLException {
            return connection.getSchema();
        }

        @Override
        public void abort(Executor a) throws SQLException {
            connection.abort(a);
        }
    }
}
