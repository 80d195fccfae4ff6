package dev.pgmessaging.runtime.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.junit.jupiter.api.Test;

import dev.pgmessaging.runtime.metrics.ChannelMeters;

/** The first ack or nack settles a message of either model; the channel hears of it once. */
class SettleOnceMessageTest {

    /** Records what the channel was told, in order. */
    static final class Recording implements Settler<String> {
        final List<String> calls = new ArrayList<>();
        boolean current = true;

        @Override
        public synchronized void onAck(List<String> deliveries) {
            calls.add("ack " + deliveries);
        }

        @Override
        public synchronized void onNack(List<String> deliveries, Throwable reason) {
            calls.add("nack " + deliveries + " " + reason.getMessage());
        }

        @Override
        public synchronized void onNackAfterCommit(List<String> deliveries, Throwable reason) {
            calls.add("nack after commit " + deliveries);
        }

        @Override
        public synchronized void ackInTransaction(List<String> deliveries) throws SQLException {
            calls.add("ack in transaction " + deliveries);
        }

        @Override
        public synchronized void onCommittedAck(List<String> deliveries) {
            calls.add("committed " + deliveries);
        }

        @Override
        public boolean isCurrent(List<String> deliveries) {
            return current;
        }

        @Override
        public synchronized void onAbandoned(List<String> deliveries) {
            calls.add("abandoned " + deliveries);
        }
    }

    private final Recording channel = new Recording();
    private final SettleOnceMessage<String, String> message = new SettleOnceMessage<>("payload", Metadata.empty(),
            List.of("a", "b"), channel, ChannelMeters.NONE);

    @Test
    void theFirstAckSettlesEveryDeliveryOfTheMessage() {
        message.ack();
        message.ack();
        message.nack(new IllegalStateException("late"));
        assertEquals(List.of("ack [a, b]"), channel.calls);
    }

    @Test
    void theFirstNackSettlesItAndALaterAckDoesNothing() {
        message.nack(new IllegalStateException("boom"));
        message.ack();
        assertEquals(List.of("nack [a, b] boom"), channel.calls);
    }

    @Test
    void anAckCommittedByTheHandlersTransactionSettlesItAndALaterNackIsOnlyReported() throws Exception {
        assertTrue(message.ackInTransaction());
        message.ackedInTransaction();
        message.ack();
        message.nack(new IllegalStateException("after the commit"));
        assertEquals(List.of("ack in transaction [a, b]", "committed [a, b]", "nack after commit [a, b]"), channel.calls);
    }

    @Test
    void aSettledMessageWritesNoAckInTheTransaction() throws Exception {
        message.ack();
        assertFalse(message.ackInTransaction());
        assertEquals(List.of("ack [a, b]"), channel.calls);
    }

    @Test
    void aMessageThatIsNoLongerCurrentIsAbandonedOnceAndNotHandled() {
        channel.current = false;
        assertFalse(message.stillCurrent());
        assertFalse(message.stillCurrent());
        message.ack();
        assertEquals(List.of("abandoned [a, b]"), channel.calls);
    }

    @Test
    void racingAcksAndNacksSettleOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 200; round++) {
                Recording racing = new Recording();
                SettleOnceMessage<String, String> raced = new SettleOnceMessage<>("p", Metadata.empty(), List.of("x"), racing,
                        ChannelMeters.NONE);
                CountDownLatch start = new CountDownLatch(1);
                CountDownLatch done = new CountDownLatch(8);
                for (int i = 0; i < 8; i++) {
                    boolean ack = i % 2 == 0;
                    threads.execute(() -> {
                        try {
                            start.await();
                            if (ack) {
                                raced.ack();
                            } else {
                                raced.nack(new IllegalStateException("n"));
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            done.countDown();
                        }
                    });
                }
                start.countDown();
                assertTrue(done.await(10, TimeUnit.SECONDS));
                assertEquals(1, racing.calls.size(), "settled once: " + racing.calls);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
