package dev.pgmessaging.runtime.queue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.IncomingQueueBatchMetadata;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.channel.ChannelEndpoint;
import dev.pgmessaging.runtime.channel.ChannelState;
import dev.pgmessaging.runtime.channel.WorkerThread;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;
import dev.pgmessaging.runtime.queue.fault.Backoff;
import dev.pgmessaging.runtime.queue.fault.FailureStrategy;
import dev.pgmessaging.runtime.source.ContextEmitter.Pending;
import dev.pgmessaging.runtime.source.ContextEmitter;
import dev.pgmessaging.runtime.sql.BoundedDataSource;
import dev.pgmessaging.runtime.sql.StatementTimeouts;
import dev.pgmessaging.runtime.sql.TransientFailures;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/**
 * Consumes one queue for one channel. A single thread per channel writes what was acked, nacked
 * (through the failure strategy) or dead-lettered ({@link Settlements}), renews the leases of
 * messages still being processed ({@link Leases}), then leases as many messages as downstream
 * asked for and the prefetch allows (one claim statement, which also expires what outlived its
 * time to live), and otherwise sleeps until a notification, a request, a settlement or the idle
 * poller ({@link IdleQueuePoller}) wakes it. While idle, it offers the producers of this
 * application room for messages they store leased to it ({@link LocalDeliveries}). Messages are
 * emitted on a Vert.x duplicated context, as the other connectors do, so that blocking and
 * non-blocking handlers behave as usual.
 */
public final class QueueSource implements ChannelEndpoint {

    private static final Logger LOG = Logger.getLogger(QueueSource.class);
    /** When a message whose handler failed because the database did comes again: soon, later if that goes on. */
    private static final Backoff AFTER_DATABASE_FAILURE = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    private final QueueConsumerSettings settings;
    /** The pool, for the acks in handlers' transactions. */
    private final DataSource pool;
    /** The pool's connections bounded for this channel's own statements. */
    private final BoundedDataSource dataSource;
    private final QueueStore store;
    private final PayloadCodec codec;
    private final Wakeups wakeups;
    private final IdleQueuePoller poller;
    private volatile IdleQueuePoller.Registration polled;
    private final Context context;
    private final BlockingQueue<Boolean> wakeSignal = new ArrayBlockingQueue<>(1);
    private final Runnable wake = () -> wakeSignal.offer(Boolean.TRUE);
    /**
     * Whether a claim may find something: set by what announces messages (a notification, the idle
     * poller, a release, a claim that got all it asked for; on an ordered channel any settlement,
     * which may free a key), cleared by each claim. A wake-up for a settlement alone runs no claim, so that a consumer handling one
     * message at a time makes one claim per message, not one more that finds nothing after each ack.
     */
    private volatile boolean claimHint = true;
    private final Runnable wakeToClaim = () -> {
        claimHint = true;
        wakeSignal.offer(Boolean.TRUE);
    };
    private final Leases leases;
    private final Settlements settlements;
    private final FailureStrategy failureStrategy;
    /** Emits on the channel's context; counts the claimed messages not yet handed to the emitter. */
    private final ContextEmitter onContext;
    private final WorkerThread thread;
    private volatile MultiEmitter<? super Message<?>> emitter;
    private volatile boolean running = true;
    private volatile boolean claiming = true;
    /**
     * Whether to lease up to the prefetch ahead of the handler's demand (handlers usually ask for one
     * message at a time): only when the heartbeat keeps the waiting messages' leases alive.
     */
    private final boolean leaseAhead;
    /** Where the next claim of an unordered channel starts looking. */
    private final ClaimFloor claimFloor = new ClaimFloor();
    /** Where the next claim of an ordered channel starts looking for keys ({@code ""}: the first). */
    private String keyCursor = "";
    private final ChannelState state = new ChannelState();
    /** Where this channel takes part in local delivery, or {@code null}. */
    private final LocalDeliveries localDeliveries;
    /**
     * Guards {@link #offered} and {@link #reserved} against the producers that reserve and deliver,
     * and makes a delivery (leases held, then the reservation taken back) atomic for the
     * channel's thread, which counts both to size its claims.
     */
    private final Object handOff = new Object();
    /** How many messages producers may still reserve: what the idle channel would have claimed. */
    private int offered;
    /** Messages reserved by producers and not delivered yet: the channel does not claim them too. */
    private int reserved;

    public QueueSource(QueueConsumerSettings settings, DataSource dataSource, QueueStore store, PayloadCodec codec,
            Wakeups wakeups, IdleQueuePoller poller, Vertx vertx) {
        this(settings, dataSource, store, codec, wakeups, poller, vertx, null);
    }

    /** @param localDeliveries where producers of this application find idle consumers, or {@code null} */
    public QueueSource(QueueConsumerSettings settings, DataSource dataSource, QueueStore store, PayloadCodec codec,
            Wakeups wakeups, IdleQueuePoller poller, Vertx vertx, LocalDeliveries localDeliveries) {
        this.settings = settings;
        // ordered channels lease by key, batch channels by claim: neither takes messages one by one
        this.localDeliveries = settings.localDelivery() && !settings.orderedByKey() && !settings.batch()
                ? localDeliveries
                : null;
        this.failureStrategy = settings.failureStrategy();
        this.leaseAhead = settings.maxLeaseDuration().compareTo(settings.visibilityTimeout()) > 0;
        this.leases = new Leases(settings.visibilityTimeout(), settings.maxLeaseDuration());
        this.settlements = new Settlements(settings.channel(), settings.deadLetterQueue(), settings.archive(), wake,
                leases::forget,
                this::failChannel);
        this.pool = dataSource;
        this.dataSource = new BoundedDataSource(dataSource, StatementTimeouts.ofLeases(settings.visibilityTimeout()));
        this.store = store;
        this.codec = codec;
        this.wakeups = wakeups;
        this.poller = poller;
        // A context of its own, not the caller's: messages are handled on contexts duplicated from
        // it, and the ordered blocking tasks (@Blocking handlers) of all contexts duplicated from one
        // context run one at a time, so channels sharing one would never run their handlers in parallel.
        this.context = ((VertxInternal) vertx).createEventLoopContext();
        this.onContext = new ContextEmitter(context, settings.ackInTransaction(), settings.channel());
        this.thread = new WorkerThread("pgmessaging-consumer-" + settings.channel(), this::run);
    }

    public Multi<? extends Message<?>> stream() {
        return Multi.createFrom().<Message<?>> emitter(e -> {
            emitter = e;
            // new demand alone announces no message: a claim skipped for want of demand kept the hint
            e.onRequest(n -> wake.run());
            e.onTermination(this::requestStop);
            if (wakeups != null) {
                wakeups.register(settings.queue(), wakeToClaim);
            }
            polled = poller.register(settings.queue(), wakeToClaim, settings.pollInterval());
            if (localDeliveries != null) {
                localDeliveries.register(settings.queue(), this);
            }
            thread.start();
        }, BackPressureStrategy.BUFFER);
    }

    /** @return {@code null} when healthy, or what is wrong */
    @Override
    public String failure() {
        return state.failure();
    }

    @Override
    public String channel() {
        return settings.channel();
    }

    /** @return {@code false} if the channel stopped for good (fail strategy), or its thread died while it should run */
    @Override
    public boolean isAlive() {
        return !state.isStopped() && (!running || thread.isNotStartedOrAlive());
    }

    void ack(ClaimedMessage message) {
        state.handled();
        settlements.ack(message);
    }

    /** Deletes the messages at once, in the calling thread's transaction; false if a lease was lost. */
    boolean ackInTransaction(List<ClaimedMessage> messages) throws SQLException {
        return store.ackInTransaction(pool, messages.stream().mapToLong(ClaimedMessage::id).toArray(),
                messages.stream().mapToLong(ClaimedMessage::leaseToken).toArray(), settings.archive()) == messages.size();
    }

    /** Drops the lease of a message acked elsewhere (by the handler's transaction). */
    void forget(ClaimedMessage message) {
        leases.forget(message);
        (settings.orderedByKey() ? wakeToClaim : wake).run();
    }

    void nack(ClaimedMessage message, Throwable reason) {
        LOG.debugf("Message %d of queue %s was nacked: %s", message.id(), settings.queue(), reason);
        if (LeaseLost.in(reason)) {
            forget(message); // delivered again elsewhere: that delivery settles it
            return;
        }
        if (TransientFailures.isTransient(reason)) {
            // not a failure of the message: delivered again once the database answers, whatever the strategy
            if (state.handlerMetDatabaseFailure()) {
                LOG.warnf("Channel %s gives message %d back to queue %s: its handler failed because the database did"
                        + " (%s); this is not a failure of the message", settings.channel(), message.id(),
                        settings.queue(), TransientFailures.describe(reason));
            }
            settlements.release(message, AFTER_DATABASE_FAILURE.delay(message.attempt()));
            return;
        }
        failureStrategy.onFailure(message, reason, settlements);
    }

    /** A nack after the handler's transaction had acked the message and committed: nothing to undo. */
    void nackedAfterCommit(List<ClaimedMessage> messages, Throwable reason) {
        LOG.warnf("Channel %s: the handler of message %d failed (%s) after its transaction had acked the message and"
                + " committed: it is not delivered again", settings.channel(), messages.get(0).id(), reason);
    }

    /** The {@code fail} strategy: stop claiming, report unhealthy, and fail the stream. */
    private void failChannel(Throwable reason) {
        if (claiming) {
            stopTakingMessages();
            state.stop(reason);
            LOG.errorf("Channel %s stops after a failed message (failure-strategy=fail): %s", settings.channel(), reason);
            context.runOnContext(ignored -> emitter.fail(reason));
        }
    }

    private void run() {
        try {
            consume();
        } finally {
            // however the loop ended, producers hand this channel nothing more
            stopTakingMessages();
        }
        try {
            settle();
            releaseRemainingLeases();
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Channel %s could not settle or release its last messages before stopping (%s); they will be"
                    + " delivered again after their visibility timeout", settings.channel(), e.getMessage());
        }
    }

    private void consume() {
        while (running) {
            try {
                Settlements.Flushed flushed = settle();
                if (flushed.released() || (flushed.any() && settings.orderedByKey())) {
                    // released messages may be visible again at once; a settled head frees its key
                    claimHint = true;
                }
                leases.renew(store, dataSource);
                // read once: the offer is withdrawn before any claim, so that producers cannot take
                // room the claim is about to fill (a hint set meanwhile is for the next turn)
                boolean hinted = claimHint;
                if (hinted) {
                    offer(0); // messages were announced: claim them before producers hand over new ones
                }
                int wanted = room();
                if (claiming && wanted > 0 && hinted) {
                    claimHint = false; // before the claim: a message announced during it sets it again
                    List<ClaimedMessage> claimed = store.claim(dataSource, settings.queue(), wanted,
                            settings.visibilityTimeout(), settings.deadLetterExpired() ? settings.deadLetterQueue() : null,
                            settings.orderedByKey(), keyCursor, claimFloor);
                    state.statementWorked();
                    if (!claimed.isEmpty()) {
                        polled.busy();
                    }
                    if (settings.batch()) {
                        emitBatch(claimed);
                    } else {
                        emitEach(claimed);
                    }
                    if (claimed.size() == wanted) {
                        advanceKeyCursor(claimed);
                        claimHint = true;
                        continue; // probably more waiting: claim again without sleeping
                    }
                    if (!keyCursor.isEmpty()) {
                        keyCursor = ""; // the keys after the cursor are done: start again from the first key
                        claimHint = true;
                        continue;
                    }
                }
                waitIdle();
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                if (state.statementFailed(e)) {
                    LOG.warnf("Channel %s cannot reach queue %s: %s; retrying every %s", settings.channel(),
                            settings.queue(), e.getMessage(), settings.pollInterval());
                }
                claimHint = true;
                waitForWake(settings.pollInterval());
            }
        }
    }

    /** How many messages the channel may lease now. */
    private int room() {
        synchronized (handOff) {
            int wanted = Math.min(settings.prefetch() - leases.live(), settings.claimSize()) - reserved;
            if (!leaseAhead) {
                // Without the heartbeat, a leased message waiting in a buffer would see its
                // visibility timeout run out before its handler even starts: lease on demand only.
                long demand = emitter.requested() - onContext.inTransit() - reserved;
                // a batch channel emits one message per claim
                wanted = (int) Math.min(wanted, settings.batch() ? (demand > 0 ? Integer.MAX_VALUE : 0) : demand);
            }
            return Math.max(wanted, 0);
        }
    }

    /**
     * Sleeps until woken, offering the producers of this application what it would claim (local
     * delivery) if nothing was announced since the last claim found the queue empty. The offer
     * stands until the next claim, and is renewed at each wake-up (an ack makes room).
     */
    private void waitIdle() {
        if (localDeliveries != null) {
            synchronized (handOff) {
                offer(claiming && !claimHint ? room() : 0);
            }
        }
        waitForWake(nextWait());
    }

    private void offer(int count) {
        synchronized (handOff) {
            offered = count;
        }
    }

    /**
     * A producer reserves room for up to {@code count} messages it is about to send, stored leased
     * to this channel; it then {@link #deliver}s them, or {@link #cancel}s if it could not send.
     *
     * @return how many it may lease to this channel (0: none)
     */
    int reserve(int count) {
        synchronized (handOff) {
            int granted = Math.min(offered, count);
            offered -= granted;
            reserved += granted;
            return granted;
        }
    }

    /** The producer could not send what it reserved: the room is the channel's again. */
    void cancel(int count) {
        synchronized (handOff) {
            reserved -= count;
        }
        wake.run();
    }

    /** The visibility timeout of the leases a producer gives messages it sends to this channel. */
    Duration visibilityTimeout() {
        return settings.visibilityTimeout();
    }

    /**
     * Takes the messages a producer sent leased to this channel (committed), in place of the
     * {@code count} it reserved: they are emitted as if claimed. A channel that stopped meanwhile
     * gives them back to the queue at once.
     */
    void deliver(List<ClaimedMessage> messages, int count) {
        boolean taken;
        synchronized (handOff) {
            taken = claiming;
            try {
                if (taken) {
                    // leases held and messages in transit before the reservation goes: room() never
                    // counts these messages out twice or not at all. (The idle poller is not put
                    // off: these messages say nothing of what else became visible meanwhile.)
                    emitEach(messages);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "Channel %s could not emit %d message(s) sent to it; they will be delivered again"
                        + " after their visibility timeout", settings.channel(), messages.size());
            } finally {
                reserved -= count;
            }
        }
        if (taken) {
            // the channel may sleep without a timeout while it holds no lease: it renews these ones
            wake.run();
            return;
        }
        try {
            store.release(dataSource, messages.stream().mapToLong(ClaimedMessage::id).toArray(),
                    messages.stream().mapToLong(ClaimedMessage::leaseToken).toArray(), new double[messages.size()]);
            localDeliveries.announce(settings.queue());
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Channel %s could not give back %d message(s) sent to it as it stopped (%s); they will be"
                    + " delivered again after their visibility timeout", settings.channel(), messages.size(),
                    e.getMessage());
        }
    }

    /** Messages were stored that this channel was not handed: it claims at its next turn. */
    void announce() {
        wakeToClaim.run();
    }

    /** No more claims nor local deliveries. */
    private void stopTakingMessages() {
        synchronized (handOff) {
            claiming = false;
            offered = 0;
        }
        if (localDeliveries != null) {
            localDeliveries.unregister(settings.queue(), this);
        }
    }

    /**
     * Gives the messages this channel still holds back to the queue at once, so that another
     * instance gets them without waiting for their visibility timeout. A handler still running
     * one of them can no longer ack it (fencing): it is delivered again, at least once.
     */
    private void releaseRemainingLeases() throws SQLException {
        int released = leases.releaseAll(store, dataSource);
        if (released > 0) {
            LOG.infof("Channel %s gave %d unfinished message(s) back to queue %s", settings.channel(), released,
                    settings.queue());
        }
    }

    /** Emits the readable messages of one claim one by one. */
    private void emitEach(List<ClaimedMessage> claimed) {
        List<Pending> emissions = new ArrayList<>(claimed.size());
        for (ClaimedMessage message : claimed) {
            Decoded decoded = decode(message);
            if (decoded != null) {
                emissions.add(emission(decoded.payload(), decoded.metadata(), List.of(message)));
            }
        }
        onContext.emit(emitter, emissions);
    }

    /** Emits the readable messages of one claim as one message whose payload is the list of theirs. */
    private void emitBatch(List<ClaimedMessage> claimed) {
        List<Object> payloads = new ArrayList<>(claimed.size());
        List<IncomingQueueMetadata> metadata = new ArrayList<>(claimed.size());
        List<ClaimedMessage> readable = new ArrayList<>(claimed.size());
        for (ClaimedMessage message : claimed) {
            Decoded decoded = decode(message);
            if (decoded != null) {
                payloads.add(decoded.payload());
                metadata.add(decoded.metadata());
                readable.add(message);
            }
        }
        if (!readable.isEmpty()) {
            onContext.emit(emitter, List.of(emission(payloads, new IncomingQueueBatchMetadata(settings.queue(), metadata),
                    readable)));
        }
    }

    private record Decoded(Object payload, IncomingQueueMetadata metadata) {
    }

    /** Reads the payload; a payload that cannot be read goes straight to the dead-letter queue ({@code null}). */
    private Decoded decode(ClaimedMessage claimed) {
        Object payload;
        Map<String, String> headers;
        try {
            payload = codec.decode(claimed.payload(), claimed.contentType(), settings.payloadType());
            headers = codec.decodeHeaders(claimed.headers());
        } catch (IllegalArgumentException e) {
            // no retry can make these bytes readable
            settlements.deadLetter(claimed, e);
            return null;
        }
        leases.hold(claimed);
        return new Decoded(payload, new IncomingQueueMetadata(settings.queue(), claimed.id(), claimed.attempt(), headers,
                claimed.enqueuedAt(), claimed.key(), claimed.contentType(), claimed.exchange(), claimed.routingKey()));
    }

    /** A message to emit: one claimed message, or the messages of a batch channel's claim. */
    private Pending emission(Object payload, Object metadata, List<ClaimedMessage> claimed) {
        return new Pending(metadata, withContext -> new QueueMessage<>(payload, withContext, claimed, this));
    }

    /**
     * Ordered channels visit the keys in order from a cursor, moved past the keys just claimed, so
     * that every key gets its turn whatever the number of keys.
     */
    private void advanceKeyCursor(List<ClaimedMessage> claimed) {
        if (settings.orderedByKey()) {
            claimed.stream().map(ClaimedMessage::key).filter(java.util.Objects::nonNull).max(String::compareTo)
                    .ifPresent(key -> keyCursor = key);
        }
    }

    /** Writes what was acked, nacked or dead-lettered since the last turn. */
    private Settlements.Flushed settle() throws SQLException {
        return settlements.flush(store, dataSource);
    }

    /**
     * Sleeps until woken (a notification, the idle poller, a request, a settlement), or until a held
     * lease is due for renewal: the channel does not poll by itself ({@link IdleQueuePoller} does).
     */
    private Duration nextWait() {
        return leases.isEmpty() ? null : leases.renewalInterval();
    }

    /** @param timeout {@code null}: until woken */
    private void waitForWake(Duration timeout) {
        try {
            if (timeout == null) {
                wakeSignal.take();
            } else {
                wakeSignal.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops leasing messages; acks and nacks are still settled until {@link #stop()}. */
    public void stopClaiming() {
        stopTakingMessages();
    }

    @Override
    public void stopTakingWork() {
        stopClaiming();
    }

    /**
     * Waits until every message the channel delivered was acked or nacked and the outcome
     * written, at most until {@code shutdown-timeout} after {@code since} (a System.nanoTime, so
     * that channels stopping together wait together). Call {@link #stopClaiming()} first.
     */
    @Override
    public void awaitSettled(long since) {
        leases.awaitEmpty(since + settings.shutdownTimeout().toNanos(), thread::isAlive);
    }

    /** Stops the channel's thread, after it settled what was acked or nacked, and waits for it. */
    @Override
    public void stop() {
        requestStop();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    /** Stops without waiting: the stream was cancelled, possibly on an event-loop thread. */
    private void requestStop() {
        stopTakingMessages();
        running = false;
        if (wakeups != null) {
            wakeups.unregister(settings.queue(), wakeToClaim);
        }
        if (polled != null) {
            poller.unregister(polled);
        }
        wake.run();
    }
}
