package dev.pgmessaging.runtime.log.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FailureStrategyTest {

    private final List<String> done = new ArrayList<>();
    private final FailedRecords failed = new FailedRecords() {
        @Override
        public String channel() {
            return "prices";
        }

        @Override
        public String describe() {
            return "prices-0@7";
        }

        @Override
        public void skip() {
            done.add("skipped");
        }

        @Override
        public void stopChannel(Throwable reason) {
            done.add("stopped: " + reason.getMessage());
        }
    };

    @Test
    void failStopsTheChannelAndDoesNotSkipTheRecord() {
        FailureStrategy.of(FailureStrategy.FAIL).onFailure(failed, new IllegalStateException("boom"));
        assertEquals(List.of("stopped: boom"), done);
    }

    @Test
    void ignoreSkipsTheRecordAndTheChannelGoesOn() {
        FailureStrategy.of(FailureStrategy.IGNORE).onFailure(failed, new IllegalStateException("boom"));
        assertEquals(List.of("skipped"), done);
    }

    @Test
    void aTopicChannelHasNoRetryNorDeadLetterStrategy() {
        assertNull(FailureStrategy.of("retry"));
        assertNull(FailureStrategy.of("dead-letter"));
    }
}
