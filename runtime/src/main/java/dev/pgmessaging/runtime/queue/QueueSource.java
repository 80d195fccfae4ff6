package dev.pgmessaging.runtime.queue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.QueueStore.ClaimedMessage;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.reactive.messaging.providers.locals.ContextAwareMessage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Consumes one queue for one channel. A single thread per channel settles what was acked or
 * nacked (one statement per batch), then leases as many messages as the prefetch allows
 * (one claim statement), and otherwise sleeps until a notification, a settlement that frees
 * room, or the poll interval wakes it. Messages are emitted on a Vert.x duplicated context,
 * as the other connectors do, so that blocking and non-blocking handlers behave as usual.
 */
public final class QueueSource {

    private static final Logger LOG = Logger.getLogger(QueueSource.class);

    private final QueueConsumerSettings settings;
    private final DataSource dataSource;
    private final QueueStore store;
    private final PayloadCodec codec;
    private final QueueWakeups wakeups;
    private final Context context;
    private final BlockingQueue<Boolean> wakeSignal = new ArrayBlockingQueue<>(1);
    private final Runnable wake = () -> wakeSignal.offer(Boolean.TRUE);
    /** Leased messages not yet settled, by message id. */
    private final Map<Long, Lease> inFlight = new ConcurrentHashMap<>();
    private final Queue<ClaimedMessage> acks = new ConcurrentLinkedQueue<>();
    private final Queue<ClaimedMessage> releases = new ConcurrentLinkedQueue<>();
    /** Claimed messages not yet handed to the emitter (emission hops to the Vert.x context). */
    private final AtomicLong inTransit = new AtomicLong();
    private final Thread thread;
    private volatile MultiEmitter<? super Message<?>> emitter;
    private volatile boolean running = true;
    private volatile boolean claiming = true;
    private volatile String failure;

    public QueueSource(QueueConsumerSettings settings, DataSource dataSource, QueueStore store, PayloadCodec codec,
            QueueWakeups wakeups, Vertx vertx) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.store = store;
        this.codec = codec;
        this.wakeups = wakeups;
        this.context = vertx.getOrCreateContext();
        this.thread = new Thread(this::run, "pgmessaging-consumer-" + settings.channel());
        this.thread.setDaemon(true);
    }

    public Multi<? extends Message<?>> stream() {
        return Multi.createFrom().<Message<?>> emitter(e -> {
            emitter = e;
            e.onRequest(n -> wake.run());
            e.onTermination(this::requestStop);
            if (wakeups != null) {
                wakeups.register(settings.queue(), wake);
            }
            thread.start();
        }, BackPressureStrategy.BUFFER);
    }

    /** @return {@code null} when healthy, or what is wrong */
    public String failure() {
        return failure;
    }

    public String channel() {
        return settings.channel();
    }

    /** @return {@code false} if the channel's thread died while the channel should run */
    public boolean isAlive() {
        return !running || thread.getState() == Thread.State.NEW || thread.isAlive();
    }

    void ack(ClaimedMessage message) {
        acks.add(message);
        wake.run();
    }

    void release(ClaimedMessage message, Throwable reason) {
        LOG.debugf("Message %d of queue %s was nacked: %s", message.id(), settings.queue(), reason);
        releases.add(message);
        wake.run();
    }

    private void run() {
        while (running) {
            try {
                settle();
                // Nothing is leased before downstream asks for it: a leased message waiting in a
                // buffer would see its visibility timeout run out before its handler even starts.
                long demand = emitter.requested() - inTransit.get();
                int wanted = (int) Math.min(Math.min(settings.prefetch() - liveInFlight(), settings.claimSize()),
                        demand);
                if (claiming && wanted > 0) {
                    List<ClaimedMessage> claimed = store.claim(dataSource, settings.queue(), wanted,
                            settings.visibilityTimeout());
                    failure = null;
                    inTransit.addAndGet(claimed.size());
                    claimed.forEach(this::emit);
                    if (claimed.size() == wanted) {
                        continue; // probably more waiting: claim again without sleeping
                    }
                }
                waitForWake(settings.pollInterval());
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                if (failure == null) {
                    LOG.warnf("Channel %s cannot reach queue %s: %s; retrying every %s", settings.channel(),
                            settings.queue(), e.getMessage(), settings.pollInterval());
                }
                failure = String.valueOf(e.getMessage());
                waitForWake(settings.pollInterval());
            }
        }
        try {
            settle();
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Channel %s could not settle its last messages before stopping (%s); they will be delivered again",
                    settings.channel(), e.getMessage());
        }
    }

    private void emit(ClaimedMessage claimed) {
        Object payload;
        Map<String, String> headers;
        try {
            payload = codec.decode(claimed.payload(), claimed.contentType(), settings.payloadType());
            headers = codec.decodeHeaders(claimed.headers());
        } catch (IllegalArgumentException e) {
            inTransit.decrementAndGet(); // not emitted after all
            deadLetter(claimed, e);
            return;
        }
        inFlight.put(claimed.id(), new Lease(claimed.leaseToken(), System.nanoTime() + settings.visibilityTimeout().toNanos()));
        IncomingQueueMetadata metadata = new IncomingQueueMetadata(settings.queue(), claimed.id(), claimed.attempt(),
                headers, claimed.enqueuedAt(), claimed.key(), claimed.contentType());
        Context messageContext = VertxContext.createNewDuplicatedContext(context);
        messageContext.runOnContext(ignored -> {
            emitter.emit(new QueueMessage<>(payload, ContextAwareMessage.captureContextMetadata(metadata), claimed, this));
            inTransit.decrementAndGet();
        });
    }

    private void deadLetter(ClaimedMessage claimed, IllegalArgumentException reason) {
        LOG.errorf("Channel %s cannot read message %d of queue %s, moving it to %s: %s", settings.channel(), claimed.id(),
                settings.queue(), settings.deadLetterQueue(), reason.getMessage());
        try {
            store.deadLetter(dataSource, claimed.id(), claimed.leaseToken(), settings.deadLetterQueue(), reason);
        } catch (SQLException e) {
            LOG.errorf("Channel %s could not move message %d to %s (%s); it will be delivered again",
                    settings.channel(), claimed.id(), settings.deadLetterQueue(), e.getMessage());
        }
    }

    /** Runs the pending acks and releases, one statement each. */
    private void settle() throws SQLException {
        settle(acks, true);
        settle(releases, false);
    }

    private void settle(Queue<ClaimedMessage> pending, boolean ack) throws SQLException {
        if (pending.isEmpty()) {
            return;
        }
        List<ClaimedMessage> batch = new ArrayList<>(pending.size());
        for (ClaimedMessage message; (message = pending.poll()) != null;) {
            batch.add(message);
        }
        long[] ids = new long[batch.size()];
        long[] tokens = new long[batch.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = batch.get(i).id();
            tokens[i] = batch.get(i).leaseToken();
        }
        try {
            if (ack) {
                store.ack(dataSource, ids, tokens);
            } else {
                store.release(dataSource, ids, tokens);
            }
        } catch (SQLException | RuntimeException e) {
            pending.addAll(batch); // settle them on the next turn
            throw e;
        }
        batch.forEach(this::forget);
    }

    /** Counts the leases still held, forgetting those that expired (their messages are someone else's now). */
    private int liveInFlight() {
        long now = System.nanoTime();
        inFlight.values().removeIf(lease -> lease.deadline() - now < 0);
        return inFlight.size();
    }

    /** Forgets a settled delivery, unless the message was leased again since (a newer token). */
    private void forget(ClaimedMessage message) {
        inFlight.computeIfPresent(message.id(), (id, lease) -> lease.token() == message.leaseToken() ? null : lease);
    }

    /** A lease held by this channel: its token and when it expires (System.nanoTime). */
    private record Lease(long token, long deadline) {
    }

    private void waitForWake(Duration timeout) {
        try {
            wakeSignal.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops leasing messages; acks and nacks are still settled until {@link #stop()}. */
    public void stopClaiming() {
        claiming = false;
    }

    /** Stops the channel's thread, after it settled what was acked or nacked, and waits for it. */
    public void stop() {
        requestStop();
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops without waiting: the stream was cancelled, possibly on an event-loop thread. */
    private void requestStop() {
        claiming = false;
        running = false;
        if (wakeups != null) {
            wakeups.unregister(settings.queue(), wake);
        }
        wake.run();
    }
}
