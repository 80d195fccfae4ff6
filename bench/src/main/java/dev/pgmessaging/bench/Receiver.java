package dev.pgmessaging.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.HdrHistogram.ConcurrentHistogram;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The consumer of every scenario: acks each message (after the method returns) and records its
 * end-to-end latency from the send time the payload carries.
 */
@ApplicationScoped
public class Receiver {

    /** Latencies in microseconds, up to an hour. */
    private final ConcurrentHistogram latencies = new ConcurrentHistogram(TimeUnit.HOURS.toMicros(1), 3);
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong warmUps = new AtomicLong();
    private volatile CountDownLatch done = new CountDownLatch(0);
    private volatile long lastReceivedNanos;

    @Incoming("bench-in")
    public void receive(String payload) {
        if (Payloads.isWarmUp(payload)) {
            warmUps.incrementAndGet();
            return;
        }
        long now = System.nanoTime();
        latencies.recordValue(Math.max(0, (now - Payloads.sentNanos(payload)) / 1000));
        lastReceivedNanos = now;
        received.incrementAndGet();
        done.countDown();
    }

    /** Starts a measurement: forgets what was received so far and expects {@code count} messages. */
    void expect(long count) {
        latencies.reset();
        received.set(0);
        done = new CountDownLatch((int) count);
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    ConcurrentHistogram latencies() {
        return latencies;
    }

    long warmUps() {
        return warmUps.get();
    }

    long received() {
        return received.get();
    }

    long lastReceivedNanos() {
        return lastReceivedNanos;
    }
}
