package dev.pgmessaging.runtime.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

/**
 * Finds out whether a transaction committed when its commit got no answer (the connection broke
 * after the commit was sent): the database keeps the status of recent transactions by id. A writer
 * that retries only what did not commit never writes a message twice.
 */
public final class CommitOutcomes {

    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final DataSource dataSource;
    private final SqlStatements sql;

    public CommitOutcomes(DataSource dataSource) {
        this.dataSource = dataSource;
        this.sql = SqlStatements.load("transaction.sql", "public");
    }

    /**
     * Whether the transaction committed, asked until the database answers or the deadline
     * (System.nanoTime) passes; while its session still ends it ("in progress"), asked again.
     *
     * @throws SQLException when no answer came before the deadline: not a transient failure (see
     *         {@link TransientFailures}), so that the writer does not write again what may be in
     */
    public boolean committed(long transactionId, long deadline) throws SQLException {
        SQLException last = null;
        do {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement(sql.get("transaction-status"))) {
                statement.setString(1, Long.toString(transactionId));
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    String status = rs.getString(1);
                    if ("committed".equals(status)) {
                        return true;
                    }
                    if ("aborted".equals(status)) {
                        return false;
                    }
                    if (status == null) {
                        break; // too old to be known: it will never be
                    }
                }
            } catch (SQLException e) {
                last = e;
            }
            LockSupport.parkNanos(RETRY_NANOS);
        } while (System.nanoTime() - deadline < 0);
        throw new SQLException("Could not tell whether transaction " + transactionId + " committed after its connection"
                + " broke" + (last == null ? "" : " (" + last.getMessage() + ")") + ": its writes may be in", (String) null,
                last);
    }
}
