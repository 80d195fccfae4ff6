package dev.pgmessaging.runtime.channel;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.metrics.ChannelMeters;
import dev.pgmessaging.runtime.tracing.MessageTracing;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/**
 * What every incoming channel, queue or topic, does the same way: one worker thread that takes a
 * turn ({@link #turn()}) and sleeps until woken or until the turn's wait ran out; a statement that
 * fails is reported once per streak and tried again every {@code poll-interval}; the {@code fail}
 * strategy stops the channel for good ({@link #failStop}); shutdown stops the loop, lets the model
 * finish ({@link #finish()}) and waits a bounded time for the thread. Messages are emitted on a
 * Vert.x context of the channel's own, as the other connectors do.
 * <p>
 * A subclass says what a turn is (claim and settle messages, or heartbeat, commit and read records)
 * and what it gives back when it stops.
 */
public abstract class ConsumerChannel implements ChannelEndpoint {

    /** What {@link #turn()} returns to go on at once: there is probably more to do. */
    protected static final long AGAIN = 0;
    /** What {@link #turn()} returns to sleep until woken, however long that takes. */
    protected static final long UNTIL_WOKEN = Long.MAX_VALUE;
    /** How long {@link #stop()} waits for the thread: one stuck in a statement must not hold the shutdown for ever. */
    private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private final String channel;
    private final Duration pollInterval;
    protected final ChannelState state = new ChannelState();
    private final BlockingQueue<Boolean> wakeSignal = new ArrayBlockingQueue<>(1);
    /** Wakes the channel's thread (at most one wake-up waits: several make one turn). */
    protected final Runnable wake = () -> wakeSignal.offer(Boolean.TRUE);
    private final Context context;
    /** Emits on the channel's context; counts what was handed over and not emitted yet. */
    protected final ContextEmitter onContext;
    private final WorkerThread thread;
    private volatile MultiEmitter<? super Message<?>> emitter;
    private volatile boolean running = true;
    private volatile boolean paused;
    private volatile ChannelMeters meters = ChannelMeters.NONE;

    protected ConsumerChannel(String channel, Duration pollInterval, boolean ackInTransaction, Vertx vertx) {
        this.channel = channel;
        this.pollInterval = pollInterval;
        // A context of its own, not the caller's: messages are handled on contexts duplicated from
        // it, and the ordered blocking tasks (@Blocking handlers) of all contexts duplicated from one
        // context run one at a time, so channels sharing one would never run their handlers in parallel.
        this.context = ((VertxInternal) vertx).createEventLoopContext();
        this.onContext = new ContextEmitter(context, ackInTransaction, channel);
        this.thread = new WorkerThread("pgmessaging-consumer-" + channel, this::run);
    }

    /**
     * One turn of the channel's thread.
     *
     * @return {@link #AGAIN}, {@link #UNTIL_WOKEN}, or how many nanoseconds to sleep at most
     */
    protected abstract long turn() throws SQLException;

    /** What the channel reads from, for the log: {@code queue orders} or {@code topic prices}. */
    protected abstract String source();

    /** Called on the channel's thread when its loop ended, however it ended: give back what it holds. */
    protected abstract void finish();

    /** A statement of a turn failed (reported already): the next turn starts afresh. */
    protected void afterStatementFailed() {
    }

    /** The fail strategy stopped the channel: stop taking work. Called once. */
    protected abstract void onFailStop();

    /** The loop is asked to end (shutdown, or the stream was cancelled): stop taking work, unregister. */
    protected abstract void onStopRequested();

    /**
     * The stream, started on its first subscription. A message that is no longer current when it
     * reaches the handler's side of the stream (a topic record overtaken by a rewind or of a lost
     * partition, anything of a stopped or paused channel) goes no further: its channel is told
     * ({@link Settler#onAbandoned}) and gives it back or reads it again.
     */
    protected final Multi<Message<?>> createStream(Consumer<MultiEmitter<? super Message<?>>> onSubscribe) {
        return Multi.createFrom().<Message<?>> emitter(e -> {
            emitter = e;
            e.onTermination(this::requestStop);
            onSubscribe.accept(e);
            thread.start();
        }, BackPressureStrategy.BUFFER).select().where(message -> ((SettleOnceMessage<?, ?>) message).stillCurrent());
    }

    protected final MultiEmitter<? super Message<?>> emitter() {
        return emitter;
    }

    @Override
    public final String channel() {
        return channel;
    }

    /** @return {@code null} when healthy, or what is wrong */
    @Override
    public final String failure() {
        return state.failure();
    }

    /** @return {@code false} if the channel stopped for good (fail strategy), or its thread died while it should run */
    @Override
    public final boolean isAlive() {
        return !state.isStopped() && (!running || thread.isNotStartedOrAlive());
    }

    /** Makes a consumer span per message delivered (set before the stream starts; {@code null}: none). */
    public final void traceWith(MessageTracing tracing) {
        onContext.traceWith(tracing);
    }

    /** Counts what the channel delivers and settles (set before the stream starts). */
    public final void meterWith(ChannelMeters meters) {
        this.meters = meters;
    }

    public final ChannelMeters meters() {
        return meters;
    }

    /** Started once a statement of the channel worked. */
    @Override
    public final boolean hasStarted() {
        return state.reachedDatabase();
    }

    /** Whether the channel's thread runs: what waiting for a settlement can still expect. */
    protected final boolean threadAlive() {
        return thread.isAlive();
    }

    /**
     * Pauses the channel: its turns take nothing more (a queue channel claims nothing and withdraws
     * its offer to local producers, a topic channel reads nothing but keeps heartbeating, so keeps its
     * partitions), and the messages it emitted that reach the stream's filter while it is paused are
     * given back ({@link Settler#isCurrent}). The handler at work finishes its message.
     */
    public final void pause() {
        if (!paused) {
            paused = true;
            LOG.paused(channel, source());
            wake.run();
        }
    }

    /** Takes again from where the channel stopped. */
    public final void resume() {
        if (paused) {
            paused = false;
            LOG.resumed(channel, source());
            wake.run();
        }
    }

    public final boolean isPaused() {
        return paused;
    }

    /** Ends the loop after the current turn: the thread then runs {@link #finish()}. */
    protected final void endLoop() {
        running = false;
        wake.run();
    }

    /**
     * The {@code fail} strategy: the channel stops for good, reports itself unhealthy and not live,
     * and fails its stream.
     */
    protected final void failStop(Throwable reason) {
        if (state.stop(reason)) {
            onFailStop();
            LOG.failStopped(channel, reason);
            context.runOnContext(ignored -> emitter.fail(reason));
            wake.run();
        }
    }

    /** A handler failed because the database did: said once per streak. */
    protected final void handlerMetDatabaseFailure(String what, String why) {
        if (state.handlerMetDatabaseFailure()) {
            LOG.deliveredAgainAfterDatabaseFailure(channel, what, why);
        }
    }

    /** A nack after the handler's transaction had acked and committed: nothing to undo, only reported. */
    protected final void failedAfterCommit(String what, Throwable reason) {
        LOG.failedAfterCommit(channel, what, reason);
    }

    private void run() {
        try {
            while (running) {
                try {
                    long wait = turn();
                    if (wait != AGAIN) {
                        waitForWake(wait);
                    }
                } catch (SQLException | RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    if (state.statementFailed(e)) {
                        LOG.cannotReach(channel, source(), e.getMessage(), pollInterval);
                    }
                    afterStatementFailed();
                    waitForWake(pollInterval.toNanos());
                }
            }
        } finally {
            finish();
        }
    }

    private void waitForWake(long nanos) {
        try {
            if (nanos == UNTIL_WOKEN) {
                wakeSignal.take();
            } else {
                wakeSignal.poll(Math.max(1, nanos), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops the channel's thread, after it gave back or committed what it holds, and waits for it. */
    @Override
    public void stop() {
        requestStop();
        thread.join(JOIN_MILLIS);
    }

    /** Stops without waiting: the stream was cancelled, possibly on an event-loop thread. */
    private void requestStop() {
        running = false;
        onStopRequested();
        wake.run();
    }
}
