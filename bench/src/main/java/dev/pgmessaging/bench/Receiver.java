package dev.pgmessaging.bench;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import jakarta.enterprise.context.ApplicationScoped;

import org.HdrHistogram.ConcurrentHistogram;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The consumer of the single-message scenarios, which the batch and idle consumers hand their
 * messages to: acks each message (after the method returns), records its end-to-end latency from
 * the send time the payload carries, and counts what arrives per minute of the run.
 */
@ApplicationScoped
public class Receiver {

    /** Latencies in microseconds, up to an hour. */
    private final ConcurrentHistogram latencies = new ConcurrentHistogram(TimeUnit.HOURS.toMicros(1), 3);
    private final AtomicLong received = new AtomicLong();
    private final Set<String> warmUps = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch done = new CountDownLatch(0);
    private volatile long lastReceivedNanos;
    private volatile long startNanos;
    private volatile AtomicLongArray perMinute = new AtomicLongArray(0);

    @Incoming("bench-in")
    public void receive(String payload) {
        if (Payloads.isWarmUp(payload)) {
            warmUps.add(payload);
            return;
        }
        long now = System.nanoTime();
        latencies.recordValue(Math.max(0, (now - Payloads.sentNanos(payload)) / 1000));
        lastReceivedNanos = now;
        received.incrementAndGet();
        int minute = (int) TimeUnit.NANOSECONDS.toMinutes(now - startNanos);
        AtomicLongArray counts = perMinute;
        if (minute < counts.length()) {
            counts.incrementAndGet(minute);
        }
        done.countDown();
    }

    /**
     * Starts a measurement: forgets what was received so far and expects {@code count} messages,
     * counting them per minute from now for {@code minutes} minutes.
     */
    void expect(long count, int minutes) {
        latencies.reset();
        received.set(0);
        startNanos = System.nanoTime();
        perMinute = new AtomicLongArray(minutes);
        done = new CountDownLatch((int) count);
    }

    void expect(long count) {
        expect(count, 0);
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }

    ConcurrentHistogram latencies() {
        return latencies;
    }

    /** How many distinct warm-up messages came back. */
    int warmUps() {
        return warmUps.size();
    }

    long received() {
        return received.get();
    }

    long lastReceivedNanos() {
        return lastReceivedNanos;
    }

    /** Messages received in minute {@code minute} (0-based) since {@link #expect(long, int)}. */
    long receivedInMinute(int minute) {
        return perMinute.get(minute);
    }
}
