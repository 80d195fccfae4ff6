package dev.pgmessaging.runtime.sql;

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
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/** A pooled connection with the connector's network timeout, put back to the pool's on close. */
final class BoundedConnection implements Connection {

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
                driver.setNetworkTimeout(BoundedDataSource.DIRECT, previousTimeout);
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
