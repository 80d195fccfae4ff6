package dev.pgmessaging.runtime.log.commit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommitStrategyTest {

    @Test
    void theNamesOfCommitStrategy() {
        assertSame(CommitStrategy.THROTTLED, CommitStrategy.of("throttled"));
        assertSame(CommitStrategy.LATEST, CommitStrategy.of("latest"));
        assertNull(CommitStrategy.of("ignore"), "the Kafka connector's ignore is not one of ours");
    }

    @Test
    void throttledCommitsOnlyWhenTheIntervalPassed() {
        assertFalse(CommitStrategy.THROTTLED.commitsOnAck());
        assertFalse(CommitStrategy.THROTTLED.due(true, false), "an ack waits for the interval");
        assertTrue(CommitStrategy.THROTTLED.due(true, true));
        assertTrue(CommitStrategy.THROTTLED.due(false, true), "nothing acked: the commit finds nothing, cheaply");
    }

    @Test
    void latestCommitsAfterEveryAck() {
        assertTrue(CommitStrategy.LATEST.commitsOnAck());
        assertTrue(CommitStrategy.LATEST.due(true, false));
        assertFalse(CommitStrategy.LATEST.due(false, false));
        assertTrue(CommitStrategy.LATEST.due(false, true));
    }
}
