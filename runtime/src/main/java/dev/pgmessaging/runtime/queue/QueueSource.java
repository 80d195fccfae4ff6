package dev.pgmessaging.runtime.queue;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;

import javax.sql.DataSource;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.channel.ConsumerChannel;
import dev.pgmessaging.runtime.channel.Settler;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.fault.Backoff;
import dev.pgmessaging.runtime.queue.fault.FailureStrategy;
import dev.pgmessaging.runtime.sql.BoundedDataSource;
import dev.pgmessaging.runtime.sql.StatementTimeouts;
import dev.pgmessaging.runtime.sql.TransientFailures;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;

/**
 * Consumes one queue for one channel. A single thread per channel writes what was acked, nacked
 * (through the failure strategy) or dead-lettered ({@link Settlements}), renews the leases of
 * messages still being processed ({@link Leases}), then leases as many messages as downstream
 * asked for and the prefetch allows (one claim statement, which also expires what outlived its
 * time to live), and otherwise sleeps until a notification, a request, a settlement or the idle
 * poller ({@link IdleQueuePoller}) wakes it. While idle, it offers the producers of this
 * application room for messages they store leased to it ({@link LocalDeliveries}). The thread,
 * its wake-ups, fail-stop and shutdown are every incoming channel's ({@link ConsumerChannel}).
 */
public final class QueueSource extends ConsumerChannel implements Settler<ClaimedMessage> {

    /** When a message whose handler failed because the database did comes again: soon, later if that goes on. */
    private static final Backoff AFTER_DATABASE_FAILURE = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    private final QueueConsumerSettings settings;
    /** The pool, for the acks in handlers' transactions. */
    private final DataSource pool;
    /** The pool's connections bounded for this channel's own statements. */
    private final BoundedDataSource dataSource;
    private final QueueStore store;
    private final Wakeups wakeups;
    private final IdleQueuePoller poller;
    private volatile IdleQueuePoller.Registration polled;
    /**
     * Whether a claim may find something: set by what announces messages (a notification, the idle
     * poller, a release, a claim that got all it asked for; on an ordered channel any settlement,
     * which may free a key), cleared by each claim. A wake-up for a settlement alone runs no claim, so that a consumer handling one
     * message at a time makes one claim per message, not one more that finds nothing after each ack.
     */
    private volatile boolean claimHint = true;
    private final Runnable wakeToClaim = () -> {
        claimHint = true;
        wake.run();
    };
    private final Leases leases;
    private final Settlements settlements;
    private final ClaimEmissions emissions;
    private final FailureStrategy failureStrategy;
    private volatile boolean claiming = true;
    /**
     * Whether to lease up to the prefetch ahead of the handler's demand (handlers usually ask for one
     * message at a time): only when the heartbeat keeps the waiting messages' leases alive.
     */
    private final boolean leaseAhead;
    /** Where the next claim of an unordered channel starts looking. */
    private final ClaimFloor claimFloor = new ClaimFloor();
    /** Where the next claim of an ordered channel starts looking for keys. */
    private final KeyCursor keyCursor = new KeyCursor();
    /** Counts what the claims report having expired (one lambda, not one per claim). */
    private final IntConsumer countExpired = expired -> meters().expired(expired);
    /** Where this channel takes part in local delivery, or {@code null}. */
    private final LocalDeliveries localDeliveries;
    /** What this channel offers local producers while idle (used only with local delivery). */
    private final LocalHandOff handOff = new LocalHandOff(this);

    /** @param localDeliveries where producers of this application find idle consumers, or {@code null} */
    public QueueSource(QueueConsumerSettings settings, DataSource dataSource, QueueStore store, PayloadCodec codec,
            Wakeups wakeups, IdleQueuePoller poller, Vertx vertx, LocalDeliveries localDeliveries) {
        super(settings.channel(), settings.pollInterval(), settings.ackInTransaction(), vertx);
        this.settings = settings;
        // ordered channels lease by key, batch channels by claim: neither takes messages one by one
        this.localDeliveries = settings.localDelivery() && !settings.orderedByKey() && !settings.batch()
                ? localDeliveries
                : null;
        this.failureStrategy = settings.failureStrategy();
        this.leaseAhead = settings.maxLeaseDuration().compareTo(settings.visibilityTimeout()) > 0;
        this.leases = new Leases(settings.visibilityTimeout(), settings.maxLeaseDuration());
        this.settlements = new Settlements(settings.channel(), settings.deadLetterQueue(), settings.archive(), wake,
                leases::forget, this::failChannel, this::meters);
        this.pool = dataSource;
        this.dataSource = new BoundedDataSource(dataSource, StatementTimeouts.ofLeases(settings.visibilityTimeout()));
        this.store = store;
        this.wakeups = wakeups;
        this.poller = poller;
        this.emissions = new ClaimEmissions(settings.queue(), settings.payloadType(), codec, settlements, leases, this);
    }

    public Multi<? extends Message<?>> stream() {
        return createStream(e -> {
            // new demand alone announces no message: a claim skipped for want of demand kept the hint
            e.onRequest(n -> wake.run());
            if (wakeups != null) {
                wakeups.register(settings.queue(), wakeToClaim);
            }
            polled = poller.register(settings.queue(), wakeToClaim, settings.pollInterval());
            if (localDeliveries != null) {
                localDeliveries.register(settings.queue(), handOff);
            }
        });
    }

    /** While the channel is paused, what it emitted goes back to the queue instead of to the handler. */
    @Override
    public boolean isCurrent(List<ClaimedMessage> messages) {
        return !isPaused();
    }

    @Override
    public void onAbandoned(List<ClaimedMessage> messages) {
        messages.forEach(settlements::giveBack);
    }

    @Override
    protected String source() {
        return "queue " + settings.queue();
    }

    @Override
    public void onAck(List<ClaimedMessage> messages) {
        state.handled();
        messages.forEach(settlements::ack);
    }

    /** A nack applies the failure strategy to each message of a batch on its own. */
    @Override
    public void onNack(List<ClaimedMessage> messages, Throwable reason) {
        messages.forEach(message -> nack(message, reason));
    }

    /**
     * Deletes the messages at once, in the calling thread's transaction.
     *
     * @throws LeaseLost when a lease was lost (the message was delivered again elsewhere)
     */
    @Override
    public void ackInTransaction(List<ClaimedMessage> messages) throws SQLException {
        // a transaction that holds the ack longer than the lease, idle (its client gone), is ended by the server
        if (store.ackInTransaction(pool, messages.stream().mapToLong(ClaimedMessage::id).toArray(),
                messages.stream().mapToLong(ClaimedMessage::leaseToken).toArray(), settings.archive(),
                settings.visibilityTimeout()) != messages.size()) {
            throw new LeaseLost(messages);
        }
    }

    /** The handler's transaction deleted them: nothing is left to settle but the leases held here. */
    @Override
    public void onCommittedAck(List<ClaimedMessage> messages) {
        messages.forEach(this::forget);
    }

    /** Drops the lease of a message acked elsewhere (by the handler's transaction). */
    private void forget(ClaimedMessage message) {
        leases.forget(message);
        (settings.orderedByKey() ? wakeToClaim : wake).run();
    }

    private void nack(ClaimedMessage message, Throwable reason) {
        LOG.debugf("Message %d of queue %s was nacked: %s", message.id(), settings.queue(), reason);
        if (LeaseLost.in(reason)) {
            forget(message); // delivered again elsewhere: that delivery settles it
            return;
        }
        if (TransientFailures.isTransient(reason)) {
            // not a failure of the message: delivered again once the database answers, whatever the strategy
            handlerMetDatabaseFailure(describe(message), TransientFailures.describe(reason));
            settlements.release(message, AFTER_DATABASE_FAILURE.delay(message.attempt()));
            return;
        }
        failureStrategy.onFailure(message, reason, settlements);
    }

    /** A nack after the handler's transaction had acked the message and committed: nothing to undo. */
    @Override
    public void onNackAfterCommit(List<ClaimedMessage> messages, Throwable reason) {
        failedAfterCommit(describe(messages.get(0)), reason);
    }

    private String describe(ClaimedMessage message) {
        return "message " + message.id() + " of queue " + settings.queue();
    }

    /** The {@code fail} strategy, unless the channel stopped claiming already (it is shutting down). */
    private void failChannel(Throwable reason) {
        if (claiming) {
            failStop(reason);
        }
    }

    @Override
    protected void onFailStop() {
        stopTakingMessages();
    }

    @Override
    protected void finish() {
        // however the loop ended, producers hand this channel nothing more
        stopTakingMessages();
        try {
            settle();
            releaseRemainingLeases();
        } catch (SQLException | RuntimeException e) {
            LOG.couldNotReleaseOnStop(settings.channel(), e.getMessage());
        }
    }

    /**
     * Settles, renews leases, then claims what there is room for if a message was announced;
     * otherwise offers the room to local producers and sleeps.
     */
    @Override
    protected long turn() throws SQLException {
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
            handOff.offer(0); // messages were announced: claim them before producers hand over new ones
        }
        int wanted = room();
        if (claiming && !isPaused() && wanted > 0 && hinted) {
            claimHint = false; // before the claim: a message announced during it sets it again
            List<ClaimedMessage> claimed = store.claim(dataSource, settings.queue(), wanted,
                    settings.visibilityTimeout(), settings.deadLetterExpired() ? settings.deadLetterQueue() : null,
                    settings.orderedByKey(), keyCursor.key(), claimFloor, countExpired);
            state.statementWorked();
            if (!claimed.isEmpty()) {
                polled.busy();
            }
            emit(claimed, settings.batch());
            if (claimed.size() == wanted) {
                if (settings.orderedByKey()) {
                    keyCursor.advance(claimed);
                }
                claimHint = true;
                return AGAIN; // probably more waiting: claim again without sleeping
            }
            if (keyCursor.restart()) {
                claimHint = true;
                return AGAIN;
            }
        }
        return idle();
    }

    @Override
    protected void afterStatementFailed() {
        claimHint = true;
    }

    /** How many messages the channel may lease now. */
    private int room() {
        synchronized (handOff) {
            int reserved = handOff.reserved();
            int wanted = Math.min(settings.prefetch() - leases.live(), settings.claimSize()) - reserved;
            if (!leaseAhead) {
                // Without the heartbeat, a leased message waiting in a buffer would see its
                // visibility timeout run out before its handler even starts: lease on demand only.
                long demand = emitter().requested() - onContext.inTransit() - reserved;
                // a batch channel emits one message per claim
                wanted = (int) Math.min(wanted, settings.batch() ? (demand > 0 ? Integer.MAX_VALUE : 0) : demand);
            }
            return Math.max(wanted, 0);
        }
    }

    /**
     * Offers the producers of this application what the channel would claim (local delivery) if
     * nothing was announced since the last claim found the queue empty, and sleeps until woken (a
     * notification, the idle poller, a request, a settlement), or until a held lease is due for
     * renewal: the channel does not poll by itself ({@link IdleQueuePoller} does). The offer stands
     * until the next claim, and is renewed at each wake-up (an ack makes room).
     */
    private long idle() {
        if (localDeliveries != null) {
            synchronized (handOff) {
                handOff.offer(claiming && !isPaused() && !claimHint ? room() : 0);
            }
        }
        return leases.isEmpty() ? UNTIL_WOKEN : leases.renewalInterval().toNanos();
    }

    boolean isClaiming() {
        return claiming && !isPaused();
    }

    void wakeUp() {
        wake.run();
    }

    /** The visibility timeout of the leases a producer gives messages it sends to this channel. */
    Duration visibilityTimeout() {
        return settings.visibilityTimeout();
    }

    /** Emits messages a producer stored leased to this channel, as if claimed (under the hand-off's monitor). */
    void emitDelivered(List<ClaimedMessage> messages) {
        emit(messages, false);
    }

    /** Gives back at once, not counted as delivered, messages a producer stored leased to this channel after it stopped or paused. */
    void giveBack(List<ClaimedMessage> messages) {
        try {
            store.giveBack(dataSource, messages.stream().mapToLong(ClaimedMessage::id).toArray(),
                    messages.stream().mapToLong(ClaimedMessage::leaseToken).toArray());
            localDeliveries.announce(settings.queue());
        } catch (SQLException | RuntimeException e) {
            LOG.couldNotGiveBackLocal(settings.channel(), messages.size(), e.getMessage());
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
            handOff.offer(0);
        }
        if (localDeliveries != null) {
            localDeliveries.unregister(settings.queue(), handOff);
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
            LOG.gaveBack(settings.channel(), released, settings.queue());
        }
    }

    /** Emits the readable messages of a claim, one by one or as one batch. */
    private void emit(List<ClaimedMessage> claimed, boolean asBatch) {
        onContext.emit(emitter(), asBatch ? emissions.batch(claimed) : emissions.each(claimed));
    }

    /** Writes what was acked, nacked or dead-lettered since the last turn. */
    private Settlements.Flushed settle() throws SQLException {
        return settlements.flush(store, dataSource);
    }

    /** Stops leasing messages; acks and nacks are still settled until {@link #stop()}. */
    @Override
    public void stopTakingWork() {
        stopTakingMessages();
    }

    /**
     * Waits until every message the channel delivered was acked or nacked and the outcome
     * written, at most until {@code shutdown-timeout} after {@code since} (a System.nanoTime, so
     * that channels stopping together wait together). Call {@link #stopTakingWork()} first.
     */
    @Override
    public void awaitSettled(long since) {
        leases.awaitEmpty(since + settings.shutdownTimeout().toNanos(), this::threadAlive);
    }

    @Override
    protected void onStopRequested() {
        stopTakingMessages();
        if (wakeups != null) {
            wakeups.unregister(settings.queue(), wakeToClaim);
        }
        if (polled != null) {
            poller.unregister(polled);
        }
    }
}
