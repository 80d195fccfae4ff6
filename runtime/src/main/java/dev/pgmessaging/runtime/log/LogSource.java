package dev.pgmessaging.runtime.log;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.channel.ConsumerChannel;
import dev.pgmessaging.runtime.channel.Settler;
import dev.pgmessaging.runtime.log.LogStore.StoredRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.log.fault.FailedRecords;
import dev.pgmessaging.runtime.notify.NotificationChannel;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.sql.BoundedDataSource;
import dev.pgmessaging.runtime.sql.StatementTimeouts;
import dev.pgmessaging.runtime.sql.TransientFailures;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;

/**
 * Consumes a topic as one member of a consumer group ({@link GroupMembership}). Each turn of its
 * thread heartbeats or commits when due ({@code commit-strategy}), then reads the records of the
 * partitions the member owns, in offset order, up to {@code max-poll-records} ahead of the
 * handler; otherwise it sleeps until an append's notification, the handler's progress through what
 * was read, an ack to commit or the next heartbeat wakes it. The thread, its wake-ups, fail-stop
 * and shutdown are every incoming channel's ({@link ConsumerChannel}).
 * <p>
 * A partition that is no longer this member's share is not read any further, and is given up once
 * its delivered records are settled and committed (or after the session timeout): the next owner
 * starts where this one committed, and never reads the partition at the same time. If it becomes
 * this member's share again meanwhile, it is read again at once.
 * <p>
 * A record whose handler failed because the database did (its connection was lost, the server
 * restarted, a serialization failure) is no poison record: its partition is read again from it,
 * whatever the failure strategy. The deliveries it overtakes, and those of a stopped channel or a
 * lost partition, never reach a handler, and can commit nothing ({@link HandlerTransactionCommit}).
 */
public final class LogSource extends ConsumerChannel implements Settler<Delivery> {

    private final LogConsumerSettings settings;
    /** The pool's connections bounded for this channel's own statements (not those of handlers' transactions). */
    private final BoundedDataSource dataSource;
    private final LogStore store;
    private final Topic topic;
    private final Wakeups wakeups;
    private final String wakeKey;
    private final ReadEmissions emissions;
    private final GroupMembership group;
    private final AtomicBoolean ackedSinceCommit = new AtomicBoolean();
    /**
     * Records handed to downstream and not acked or nacked yet. The channel reads ahead of its
     * handler up to {@code max-poll-records} of them, as a Kafka consumer does, so that one statement
     * brings many records instead of the one or two a handler asks for at a time.
     */
    private final AtomicInteger unsettled = new AtomicInteger();
    private final HandlerTransactionCommit inTransaction;
    private volatile boolean fetching = true;
    /** Set when the channel stops for shutdown: the records still ahead of the handler are not handled. */
    private volatile boolean closed;
    /** When the next heartbeat and commit are due (System.nanoTime); only the channel's thread touches them. */
    private long nextHeartbeat = System.nanoTime();
    private long nextCommit;

    public LogSource(LogConsumerSettings settings, Topic topic, DataSource dataSource, LogStore store,
            PayloadCodec codec, Wakeups wakeups, Vertx vertx) {
        super(settings.channel(), settings.pollInterval(), settings.ackInTransaction(), vertx);
        this.settings = settings;
        this.topic = topic;
        this.dataSource = new BoundedDataSource(dataSource, StatementTimeouts.ofSessions(settings.sessionTimeout()));
        this.store = store;
        this.wakeups = wakeups;
        this.wakeKey = NotificationChannel.topicKey(topic.name());
        this.emissions = new ReadEmissions(settings, codec, this);
        this.group = new GroupMembership(settings, topic, store, this.dataSource);
        // the pool itself: the commit runs in the handler's transaction; a handler running out of order waits at most
        // that long for the records before its own
        this.inTransaction = new HandlerTransactionCommit(store, dataSource, settings.groupId(), topic, group.memberId(),
                settings.sessionTimeout());
        this.nextCommit = nextHeartbeat + settings.commitInterval().toNanos();
    }

    public Multi<? extends Message<?>> stream() {
        return createStream(e -> {
            // no wake-up on requests: what a read may bring is bounded by max-poll-records (unsettled
            // records), not by downstream demand, and a wake-up per request read an empty log once
            // per record at low rates
            if (wakeups != null) {
                wakeups.register(wakeKey, wake);
            }
        });
    }

    @Override
    protected String source() {
        return "topic " + topic.name();
    }

    /** The partitions this member owns now (for tests and the console). */
    public Set<Integer> ownedPartitions() {
        return group.partitionNumbers();
    }

    /** Whether a delivery is still this channel's: not overtaken by a rewind, its partition owned, the channel running. */
    private boolean ours(Delivery delivery) {
        return !state.isStopped() && !closed && group.owns(delivery.partition())
                && !delivery.partition().isStale(delivery.generation(), delivery.offset());
    }

    /** Whether the deliveries are still to be handled: all {@link #ours}, and the channel not paused. */
    @Override
    public boolean isCurrent(List<Delivery> deliveries) {
        return !isPaused() && allOurs(deliveries);
    }

    private boolean allOurs(List<Delivery> deliveries) {
        for (Delivery delivery : deliveries) { // once per record on the way to the handler: no stream
            if (!ours(delivery)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void onAck(List<Delivery> deliveries) {
        boolean commitNow = settings.commitStrategy().commitsOnAck();
        for (Delivery delivery : deliveries) {
            delivery.partition().acked(delivery.offset(), delivery.generation());
            commitNow |= delivery.partition().draining;
            settled();
        }
        state.handled();
        if (commitNow) {
            ackedSinceCommit.set(true);
            wake.run();
        }
    }

    /** One record fewer ahead of the handler; at half the read-ahead, time to read more. */
    private void settled() {
        if (unsettled.decrementAndGet() == settings.maxPollRecords() / 2) {
            wake.run();
        }
    }

    /** The deliveries end without an ack: their records are another member's, read again, or not committed. */
    private void dropped(List<Delivery> deliveries) {
        for (Delivery delivery : deliveries) {
            delivery.partition().abandoned();
            settled();
        }
    }

    /**
     * The records will not be handled by these deliveries: those still current are read again, from
     * the first of them in each partition (a batch may hold records of several partitions).
     */
    @Override
    public void onAbandoned(List<Delivery> deliveries) {
        Map<PartitionProgress, Long> readAgain = new HashMap<>();
        for (Delivery delivery : deliveries) {
            if (ours(delivery)) {
                readAgain.merge(delivery.partition(), delivery.offset(), Math::min);
            }
        }
        readAgain.forEach(PartitionProgress::rewind);
        dropped(deliveries);
        if (!readAgain.isEmpty()) {
            wake.run();
        }
    }

    @Override
    public void onNack(List<Delivery> deliveries, Throwable reason) {
        CommitRefused refused = CommitRefused.in(reason);
        if (refused != null && refused.why == CommitRefused.Why.ALREADY_COMMITTED) {
            LOG.debugf("Channel %s: %s", settings.channel(), refused.getMessage());
            onAck(deliveries);
            return;
        }
        if (!allOurs(deliveries) || (refused != null && refused.why == CommitRefused.Why.LOST)) {
            dropped(deliveries); // another member's, or read again already: nothing to decide here
            return;
        }
        if (refused != null || TransientFailures.isTransient(reason)) {
            handlerMetDatabaseFailure("record " + describe(deliveries.get(0)),
                    refused != null ? refused.getMessage() : TransientFailures.describe(reason));
            onAbandoned(deliveries);
            return;
        }
        settings.failureStrategy().onFailure(new FailedRecords() {
            @Override
            public String channel() {
                return settings.channel();
            }

            @Override
            public String describe() {
                return LogSource.this.describe(deliveries.get(0));
            }

            @Override
            public void skip() {
                onAck(deliveries);
            }

            @Override
            public void stopChannel(Throwable why) {
                dropped(deliveries);
                failStop(why);
            }
        }, reason);
    }

    /** A nack after the handler's transaction had committed the records: nothing to undo. */
    @Override
    public void onNackAfterCommit(List<Delivery> deliveries, Throwable reason) {
        failedAfterCommit("record " + describe(deliveries.get(0)), reason);
    }

    private String describe(Delivery delivery) {
        return topic.name() + "-" + delivery.partition().partition + "@" + delivery.offset();
    }

    /**
     * Commits the deliveries' offsets in the calling thread's transaction, fenced by their
     * partitions' epochs, once every record before them is settled (see {@link HandlerTransactionCommit}).
     *
     * @throws CommitRefused when the transaction must not commit
     */
    @Override
    public void ackInTransaction(List<Delivery> deliveries) throws SQLException {
        inTransaction.commit(deliveries, this::ours);
    }

    @Override
    public void onCommittedAck(List<Delivery> deliveries) {
        onAck(deliveries);
    }

    /**
     * The {@code fail} strategy stopped the channel: it reads no more, the records read ahead go no
     * further, the acked ones are committed, and the member leaves the group, so that its
     * partitions do not stay owned and unread.
     */
    @Override
    protected void onFailStop() {
        fetching = false;
        endLoop();
    }

    /** Heartbeats or commits when due, then reads what there is room for. */
    @Override
    protected long turn() throws SQLException {
        long now = System.nanoTime();
        long commitInterval = settings.commitInterval().toNanos();
        if (now - nextHeartbeat >= 0) {
            heartbeat(false);
            nextHeartbeat = now + settings.sessionTimeout().toNanos() / 3;
            nextCommit = now + commitInterval;
        } else if (settings.commitStrategy().due(ackedSinceCommit.getAndSet(false), now - nextCommit >= 0)) {
            group.commit();
            nextCommit = now + commitInterval;
        }
        if (fetch()) {
            return AGAIN;
        }
        long until = Math.min(nextHeartbeat, nextCommit) - System.nanoTime();
        return Math.max(1, Math.min(settings.pollInterval().toNanos(), until));
    }

    private void heartbeat(boolean leaving) throws SQLException {
        group.heartbeat(leaving, fetching && !isPaused() && unsettled.get() < settings.maxPollRecords());
        state.statementWorked();
    }

    /** Commits what was acked and leaves the group. */
    @Override
    protected void finish() {
        try {
            heartbeat(true);
        } catch (SQLException | RuntimeException e) {
            LOG.couldNotLeaveGroup(settings.channel(), settings.groupId(), e.getMessage());
        }
    }

    /**
     * Reads what the partitions this member owns hold past their positions, up to
     * {@code max-poll-records} records ahead of the handler, and emits it.
     *
     * @return whether there may be more to read now: a partition gave as many records as asked
     *         (one that gave fewer had no more; an append notifies the channel of the next ones)
     */
    private boolean fetch() throws SQLException {
        int room = settings.maxPollRecords() - unsettled.get();
        if (!fetching || room <= 0 || isPaused()) {
            return false;
        }
        group.partitions().forEach(PartitionProgress::applyRewind);
        List<PartitionProgress> readable = group.partitions().stream().filter(p -> !p.draining).toList();
        if (readable.isEmpty()) {
            return false;
        }
        int[] partitions = new int[readable.size()];
        long[] positions = new long[readable.size()];
        for (int i = 0; i < partitions.length; i++) {
            partitions[i] = readable.get(i).partition;
            positions[i] = readable.get(i).position;
        }
        // per partition: with several partitions a read may bring more, never more than their count times this
        List<StoredRecord> records = store.fetch(dataSource, topic, partitions, positions, room);
        state.statementWorked();
        boolean full = anyPartitionGave(records, room);
        List<ReadEmissions.Read> reads = new ArrayList<>(records.size());
        for (StoredRecord record : records) {
            PartitionProgress partition = group.partition(record.partition());
            if (partition == null || record.offset() < partition.position) {
                continue; // lost meanwhile, or read twice (cannot happen on this thread, but cheap to check)
            }
            int generation = partition.deliver();
            if (generation < 0) {
                continue; // rewound while this was read: it is read again from there
            }
            unsettled.incrementAndGet();
            if (record.offset() > partition.position) {
                // a partition's records become visible in offset order (an append holds the
                // partition's lock until it commits): the ones skipped were dropped by retention
                group.offsetDropped(partition.partition, partition.position, record.offset());
                partition.dropped(partition.position, record.offset());
            }
            partition.position = record.offset() + 1;
            reads.add(new ReadEmissions.Read(new Delivery(partition, record.offset(), generation), record));
        }
        onContext.emit(emitter(), emissions.of(reads));
        return full;
    }

    /** Whether the records (in partition order) hold {@code limit} of one partition. */
    private static boolean anyPartitionGave(List<StoredRecord> records, int limit) {
        int run = 0;
        int partition = -1;
        for (StoredRecord record : records) {
            run = record.partition() == partition ? run + 1 : 1;
            partition = record.partition();
            if (run >= limit) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void stopTakingWork() {
        fetching = false;
    }

    /**
     * Waits until every record delivered was acked or nacked, at most until {@code shutdown-timeout}
     * after {@code since} (a System.nanoTime). Call {@link #stopTakingWork()} first.
     */
    @Override
    public void awaitSettled(long since) {
        long deadline = since + settings.shutdownTimeout().toNanos();
        while (threadAlive() && System.nanoTime() - deadline < 0 && group.anyInFlight()) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Commits what was acked, leaves the group, stops the channel's thread and waits for it. */
    @Override
    public void stop() {
        closed = true;
        super.stop();
    }

    @Override
    protected void onStopRequested() {
        fetching = false;
        if (wakeups != null) {
            wakeups.unregister(wakeKey, wake);
        }
    }
}
