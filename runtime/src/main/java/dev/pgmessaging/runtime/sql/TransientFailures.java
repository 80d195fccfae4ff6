package dev.pgmessaging.runtime.sql;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Locale;
import java.util.Set;

import org.postgresql.util.PSQLException;

import dev.pgmessaging.runtime.tx.Causes;

/**
 * Tells a failure of the database from a failure of the message: a lost or refused connection, a
 * server shutting down or restarting, a failover, a serialization failure or a deadlock. Such a
 * failure says nothing of the message, and the same work succeeds once the database answers again:
 * the connector delivers the message again (and writes again what it could not write) instead of
 * applying the channel's failure strategy.
 */
public final class TransientFailures {

    /** SQLSTATE class 08: connection exception (refused, lost, closed, failed while sending). */
    private static final String CONNECTION_EXCEPTION_CLASS = "08";
    private static final Set<String> TRANSIENT_STATES = Set.of(
            "40001", // serialization_failure
            "40P01", // deadlock_detected
            "57P01", // admin_shutdown: the server is stopping, or the backend was terminated
            "57P02", // crash_shutdown
            "57P03", // cannot_connect_now: the server is starting or in recovery
            "53300", // too_many_connections
            "25006"); // read_only_sql_transaction: a standby after a failover, until the primary is found
    /** SQLSTATE object_not_in_prerequisite_state: what the driver says of a statement used after its close. */
    private static final String OBJECT_NOT_IN_STATE = "55000";
    /**
     * Agroal's errors when no connection could be had in time (no SQLSTATE): the database is away or
     * the pool exhausted ("Acquisition timeout while waiting for new connection", "Sorry, acquisition
     * timeout!"), matched whatever the case.
     */
    private static final String ACQUISITION_TIMEOUT = "acquisition timeout";

    private TransientFailures() {
    }

    /**
     * Whether the failure is a transient database failure, or was caused by one (among its causes
     * and the exceptions they suppressed: see {@link Causes}).
     */
    public static boolean isTransient(Throwable failure) {
        return transientCause(failure) != null;
    }

    /** The transient database failure behind the failure, for a log line: its message and SQLSTATE. */
    public static String describe(Throwable failure) {
        SQLException sql = transientCause(failure);
        return sql == null ? String.valueOf(failure)
                : sql.getMessage() + (sql.getSQLState() == null ? "" : " (SQLSTATE " + sql.getSQLState() + ")");
    }

    private static SQLException transientCause(Throwable failure) {
        for (SQLException sql : Causes.all(failure, SQLException.class)) {
            if (isTransient(sql)) {
                return sql;
            }
        }
        return null;
    }

    private static boolean isTransient(SQLException failure) {
        if (failure instanceof SQLTransientException || failure instanceof SQLRecoverableException) {
            return true;
        }
        String state = failure.getSQLState();
        if (state == null) {
            return String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT).contains(ACQUISITION_TIMEOUT);
        }
        return state.startsWith(CONNECTION_EXCEPTION_CLASS) || TRANSIENT_STATES.contains(state)
                || closedUnderTheStatement(failure, state);
    }

    /**
     * The driver's own "This statement has been closed" (or result set): the statement's connection
     * was closed under it, by the pool after a connection failure or by the transaction manager
     * rolling back a transaction that timed out while the database did not answer. Told from the
     * server's errors of the same SQLSTATE by the server message they carry.
     */
    private static boolean closedUnderTheStatement(SQLException failure, String state) {
        return OBJECT_NOT_IN_STATE.equals(state) && failure instanceof PSQLException driver
                && driver.getServerErrorMessage() == null;
    }
}
