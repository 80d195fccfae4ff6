package dev.pgmessaging.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

/** The three consumers of the fan-out scenario, each of which must get every message. */
@ApplicationScoped
public class FanOutReceiver {

    static final int CONSUMERS = 3;
    private final AtomicLong[] received = { new AtomicLong(), new AtomicLong(), new AtomicLong() };
    private final AtomicLong[] warmUps = { new AtomicLong(), new AtomicLong(), new AtomicLong() };
    private volatile CountDownLatch done = new CountDownLatch(0);
    private volatile long expected;
    private volatile long lastReceivedNanos;

    @Incoming("fan-1")
    public void first(String payload) {
        count(0, payload);
    }

    @Incoming("fan-2")
    public void second(String payload) {
        count(1, payload);
    }

    @Incoming("fan-3")
    public void third(String payload) {
        count(2, payload);
    }

    private void count(int consumer, String payload) {
        if (Payloads.isWarmUp(payload)) {
            warmUps[consumer].incrementAndGet();
            return;
        }
        if (received[consumer].incrementAndGet() == expected) {
            lastReceivedNanos = System.nanoTime();
            done.countDown();
        }
    }

    /** Expects {@code count} messages at each consumer. */
    void expect(long count) {
        for (AtomicLong r : received) {
            r.set(0);
        }
        expected = count;
        done = new CountDownLatch(CONSUMERS);
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    /** Whether every consumer got a warm-up message. */
    boolean warmedUp() {
        return java.util.Arrays.stream(warmUps).allMatch(w -> w.get() > 0);
    }

    String received() {
        return received[0] + "/" + received[1] + "/" + received[2];
    }

    long lastReceivedNanos() {
        return lastReceivedNanos;
    }
}
