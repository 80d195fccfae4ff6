package dev.pgmessaging.bench;

/**
 * The benchmark's payloads: 100 characters, starting with the System.nanoTime at which the message
 * was meant to be sent (the intended time, so that a stalled producer shows in the latency rather
 * than hiding it).
 */
final class Payloads {

    static final int SIZE = 100;
    /** Sent until one comes back before measuring; not counted. */
    static final String WARM_UP = "warm-up";
    private static final String PADDING = "x".repeat(SIZE);

    private Payloads() {
    }

    static String of(long sentNanos) {
        String time = Long.toString(sentNanos);
        return time + ":" + PADDING.substring(time.length() + 1);
    }

    /** A warm-up message; {@code tag} tells apart the queues of the idle scenario. */
    static String warmUp(String tag) {
        return WARM_UP + ":" + tag;
    }

    static boolean isWarmUp(String payload) {
        return payload.startsWith(WARM_UP);
    }

    static long sentNanos(String payload) {
        return Long.parseLong(payload, 0, payload.indexOf(':'), 10);
    }
}
