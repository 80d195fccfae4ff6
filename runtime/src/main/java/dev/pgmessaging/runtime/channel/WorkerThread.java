package dev.pgmessaging.runtime.channel;

import java.util.concurrent.locks.LockSupport;

/**
 * The daemon thread of a consumer, a producer's writer, the idle-queue poller or the notification
 * listener: started once, woken with {@link #unpark()}, and joined for a bounded time on stop (a
 * thread stuck in a statement must not hold the application's shutdown for ever).
 */
public final class WorkerThread {

    private final Thread thread;

    public WorkerThread(String name, Runnable body) {
        this.thread = new Thread(body, name);
        this.thread.setDaemon(true);
    }

    /** Starts the thread unless it was started already. */
    public synchronized void start() {
        if (thread.getState() == Thread.State.NEW) {
            thread.start();
        }
    }

    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Not started yet, or running: what a healthy worker is. */
    public boolean isNotStartedOrAlive() {
        return thread.getState() == Thread.State.NEW || thread.isAlive();
    }

    public boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    /** Wakes the thread if it is parked. */
    public void unpark() {
        LockSupport.unpark(thread);
    }

    /**
     * Waits at most {@code millis} for the thread to end (its body saw that it should stop), unless
     * it is the calling thread or was never started.
     *
     * @return whether it ended
     */
    public boolean join(long millis) {
        if (isCurrentThread() || thread.getState() == Thread.State.NEW) {
            return !isCurrentThread();
        }
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** Interrupts the thread: for one stuck where a flag cannot reach it. */
    public void interrupt() {
        thread.interrupt();
    }
}
