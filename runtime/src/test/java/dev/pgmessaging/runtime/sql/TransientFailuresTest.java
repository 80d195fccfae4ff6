package dev.pgmessaging.runtime.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import javax.transaction.xa.XAException;

import jakarta.transaction.RollbackException;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

import io.quarkus.arc.ArcUndeclaredThrowableException;

/** Which failures are the database's, in the shapes they reach a handler's nack (no database needed). */
class TransientFailuresTest {

    @Test
    void aCommitCutByATerminatedBackendIsTheDatabases() {
        // what a @Transactional handler throws when its backend is terminated during the commit:
        // the driver's error is the cause of the XAException that the RollbackException suppressed
        XAException xa = new XAException("Error trying to transactionCommit local transaction");
        xa.initCause(new SQLException("FATAL: terminating connection due to administrator command", "57P01"));
        RollbackException rollback = new RollbackException("ARJUNA016053: Could not commit transaction.");
        rollback.addSuppressed(xa);
        Throwable thrown = new ArcUndeclaredThrowableException("Error invoking subclass method", rollback);
        assertTrue(TransientFailures.isTransient(thrown));
        assertEquals("FATAL: terminating connection due to administrator command (SQLSTATE 57P01)",
                TransientFailures.describe(thrown));
    }

    @Test
    void connectionsSerializationAndDeadlocksAreTheDatabasesConstraintsAreNot() {
        assertTrue(TransientFailures.isTransient(new IllegalStateException(new PSQLException("This connection has been closed.",
                PSQLState.CONNECTION_DOES_NOT_EXIST))));
        assertTrue(TransientFailures.isTransient(new SQLException("could not serialize access", "40001")));
        assertTrue(TransientFailures.isTransient(new SQLException("deadlock detected", "40P01")));
        assertTrue(TransientFailures.isTransient(new SQLException("Sorry, acquisition timeout!")));
        // the pool's words while the database restarts (a fault run found it missed: the channel stopped)
        assertTrue(TransientFailures.isTransient(new SQLException("Acquisition timeout while waiting for new connection")));
        assertFalse(TransientFailures.isTransient(new SQLException("duplicate key value", "23505")));
        assertFalse(TransientFailures.isTransient(new IllegalArgumentException("poison")));
    }

    @Test
    void aStatementClosedUnderTheHandlerIsTheDatabasesAServersErrorOfTheSameStateIsNot() {
        // what the handler's commit met in a fault run: the transaction timed out while a stalled
        // connection held a lock, and its statement was closed under it
        Throwable closed = new IllegalStateException("Could not ack the message in the handler's transaction",
                new PSQLException("This statement has been closed.", PSQLState.OBJECT_NOT_IN_STATE));
        assertTrue(TransientFailures.isTransient(closed));
        assertFalse(TransientFailures.isTransient(new PSQLException(
                new ServerErrorMessage("SERROR\0C55000\0Mcannot refresh materialized view concurrently\0"))));
    }
}
