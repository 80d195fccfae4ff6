package dev.pgmessaging.runtime.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

class ChannelStateTest {

    @Test
    void aFailedStatementIsReportedUntilOneWorks() {
        ChannelState state = new ChannelState();
        assertNull(state.failure());
        assertTrue(state.statementFailed(new SQLException("connection refused")), "the first: logged");
        assertFalse(state.statementFailed(new SQLException("connection refused")), "the next ones: not");
        assertEquals("connection refused", state.failure());
        state.statementWorked();
        assertNull(state.failure());
        assertTrue(state.statementFailed(new SQLException("again")));
    }

    @Test
    void aChannelStoppedByTheFailStrategyStaysReportedWhateverItsStatementsDo() {
        ChannelState state = new ChannelState();
        assertTrue(state.stop(new IllegalStateException("boom")));
        assertFalse(state.stop(new IllegalStateException("again")), "stopped once");
        state.statementWorked(); // a statement still running when it stopped
        assertTrue(state.isStopped());
        assertEquals("stopped by the fail strategy: java.lang.IllegalStateException: boom", state.failure());
    }

    @Test
    void aStreakOfDatabaseFailuresUnderHandlersIsReportedOnce() {
        ChannelState state = new ChannelState();
        assertTrue(state.handlerMetDatabaseFailure());
        assertFalse(state.handlerMetDatabaseFailure());
        state.handled();
        assertTrue(state.handlerMetDatabaseFailure(), "a new streak");
    }
}
