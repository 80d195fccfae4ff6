package dev.pgmessaging.runtime.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.Test;

class PartitionProgressTest {

    @Test
    void acksOutOfOrderCommitOnlyUpToTheFirstRecordNotSettled() {
        PartitionProgress progress = new PartitionProgress(0, 1, 10);
        int generation = progress.deliver();
        progress.deliver();
        progress.deliver();
        progress.acked(11, generation);
        progress.acked(12, generation);
        assertEquals(10, progress.committable(), "offset 10 is still being processed");
        progress.acked(10, generation);
        assertEquals(13, progress.committable());
        assertEquals(0, progress.inFlight());
    }

    @Test
    void recordsDroppedByRetentionCountAsSettled() {
        PartitionProgress progress = new PartitionProgress(0, 1, 0);
        progress.dropped(5, 20);
        assertEquals(0, progress.committable());
        int generation = progress.deliver();
        progress.dropped(0, 5);
        assertEquals(20, progress.committable());
        progress.acked(20, generation);
        assertEquals(21, progress.committable());
    }

    @Test
    void committableWithCountsTheGivenOffsetsAndTheRangesAlreadySettled() {
        PartitionProgress progress = new PartitionProgress(0, 1, 0);
        int generation = progress.deliver();
        progress.acked(2, generation);
        progress.acked(3, generation);
        assertEquals(0, progress.committable());
        assertEquals(4, progress.committableWith(Set.of(0L, 1L)));
        assertEquals(1, progress.committableWith(Set.of(0L)));
        assertEquals(0, progress.committable(), "not marked acked");
    }

    @Test
    void aRewindMakesTheDeliveriesFromItsOffsetStaleAndReadsAgainFromThere() {
        PartitionProgress progress = new PartitionProgress(0, 1, 0);
        int before = progress.deliver();
        progress.position = 10;
        progress.acked(5, before);
        progress.rewind(3);
        assertEquals(-1, progress.deliver(), "nothing is delivered until the read position moved back");
        progress.applyRewind();
        assertEquals(3, progress.position);
        assertTrue(progress.isStale(before, 3));
        assertTrue(progress.isStale(before, 7));
        assertFalse(progress.isStale(before, 2), "records before the rewind's offset are not read again");

        int after = progress.deliver();
        assertFalse(progress.isStale(after, 3));
        progress.acked(4, before); // a stale ack settles nothing
        progress.acked(0, before);
        progress.acked(1, before);
        progress.acked(2, before);
        assertEquals(3, progress.committable());
        progress.acked(3, after);
        assertEquals(4, progress.committable(), "offset 5's earlier ack was undone by the rewind");
    }
}
