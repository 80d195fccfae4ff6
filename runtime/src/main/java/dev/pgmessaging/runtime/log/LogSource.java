package dev.pgmessaging.runtime.log;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JavaType;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.IncomingLogBatchMetadata;
import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.Record;
import dev.pgmessaging.runtime.channel.ChannelEndpoint;
import dev.pgmessaging.runtime.channel.ChannelState;
import dev.pgmessaging.runtime.channel.WorkerThread;
import dev.pgmessaging.runtime.log.LogConsumerSettings.CommitStrategy;
import dev.pgmessaging.runtime.log.LogStore.OwnedPartition;
import dev.pgmessaging.runtime.log.LogStore.StoredRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.notify.NotificationChannel;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.payload.PayloadType;
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
 * Consumes a topic as one member of a consumer group. A single thread per member heartbeats (which
 * also shares the partitions among the group's live members, see group_heartbeat in migration V8),
 * commits the offsets of acked records, and reads the records of the partitions it owns, in offset
 * order, up to {@code max-poll-records} ahead of the handler; otherwise it sleeps until an append's
 * notification, the handler's progress through what was read, an ack to commit or the next
 * heartbeat wakes it.
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
 * A partition that makes no progress while records wait is reported, and read again when the
 * channel, not its handler, holds it up ({@link StallWatch}).
 */
public final class LogSource implements ChannelEndpoint {

    private static final Logger LOG = Logger.getLogger(LogSource.class);

    private final LogConsumerSettings settings;
    /** The pool's connections bounded for this channel's own statements (not those of handlers' transactions). */
    private final BoundedDataSource dataSource;
    private final LogStore store;
    private final Topic topic;
    private final PayloadCodec codec;
    private final Wakeups wakeups;
    private final String wakeKey;
    private final Context context;
    /** Whether handlers take a {@code Record<K, V>}: the key and the value. */
    private final boolean recordPayload;
    /** The type of the record values, the {@code V} of a {@code Record<K, V>} payload type. */
    private final PayloadType valueType;
    private final String memberId = UUID.randomUUID().toString();
    private final Map<Integer, PartitionProgress> owned = new ConcurrentHashMap<>();
    /** When each draining partition must be given up, drained or not (System.nanoTime). */
    private final Map<Integer, Long> drainDeadlines = new ConcurrentHashMap<>();
    private final BlockingQueue<Boolean> wakeSignal = new ArrayBlockingQueue<>(1);
    private final Runnable wake = () -> wakeSignal.offer(Boolean.TRUE);
    private final AtomicBoolean ackedSinceCommit = new AtomicBoolean();
    /** Emits on the channel's context. */
    private final ContextEmitter onContext;
    /**
     * Records handed to downstream and not acked or nacked yet. The channel reads ahead of its
     * handler up to {@code max-poll-records} of them, as a Kafka consumer does, so that one statement
     * brings many records instead of the one or two a handler asks for at a time.
     */
    private final java.util.concurrent.atomic.AtomicInteger unsettled = new java.util.concurrent.atomic.AtomicInteger();
    private final WorkerThread thread;
    private final HandlerTransactionCommit inTransaction;
    private final StallWatch stalls;
    private volatile MultiEmitter<? super Message<?>> emitter;
    private volatile boolean running = true;
    private volatile boolean fetching = true;
    /** Set when the channel stops for shutdown: the records still ahead of the handler are not handled. */
    private volatile boolean closed;
    private final ChannelState state = new ChannelState();

    public LogSource(LogConsumerSettings settings, Topic topic, DataSource dataSource, LogStore store,
            PayloadCodec codec, Wakeups wakeups, Vertx vertx) {
        this.settings = settings;
        this.topic = topic;
        this.dataSource = new BoundedDataSource(dataSource, StatementTimeouts.ofSessions(settings.sessionTimeout()));
        this.store = store;
        this.codec = codec;
        this.wakeups = wakeups;
        this.wakeKey = NotificationChannel.topicKey(topic.name());
        PayloadType payloadType = settings.payloadType();
        this.recordPayload = payloadType != null && payloadType.rawClass() == Record.class;
        JavaType value = recordPayload ? payloadType.javaType().containedType(1) : null;
        this.valueType = !recordPayload ? payloadType
                : value == null || value.getRawClass() == Object.class ? null : new PayloadType(value.getRawClass(), value);
        // a context of its own, as QueueSource explains
        this.context = ((VertxInternal) vertx).createEventLoopContext();
        this.onContext = new ContextEmitter(context, settings.ackInTransaction(), settings.channel());
        this.thread = new WorkerThread("pgmessaging-consumer-" + settings.channel(), this::run);
        // the pool itself: the commit runs in the handler's transaction; a handler running out of order waits at most
        // that long for the records before its own
        this.inTransaction = new HandlerTransactionCommit(store, dataSource, settings.groupId(), topic, memberId,
                settings.sessionTimeout());
        this.stalls = new StallWatch(Math.max(TimeUnit.SECONDS.toNanos(30), settings.sessionTimeout().toNanos() * 3));
    }

    public Multi<? extends Message<?>> stream() {
        return Multi.createFrom().<Message<?>> emitter(e -> {
            emitter = e;
            // no wake-up on requests: what a read may bring is bounded by max-poll-records (unsettled
            // records), not by downstream demand, and a wake-up per request read an empty log once
            // per record at low rates
            e.onTermination(this::requestStop);
            if (wakeups != null) {
                wakeups.register(wakeKey, wake);
            }
            thread.start();
        }, BackPressureStrategy.BUFFER)
                // records overtaken by a rewind, of a lost partition or of a stopped channel go no further
                .select().where(message -> ((LogMessage<?>) message).stillCurrent());
    }

    @Override
    public String channel() {
        return settings.channel();
    }

    /** @return {@code null} when healthy, or what is wrong */
    @Override
    public String failure() {
        return state.failure();
    }

    /** @return {@code false} if the channel stopped for good (fail strategy), or its thread died while it should run */
    @Override
    public boolean isAlive() {
        return !state.isStopped() && (!running || thread.isNotStartedOrAlive());
    }

    /** The partitions this member owns now (for tests and the console). */
    public Set<Integer> ownedPartitions() {
        return Set.copyOf(owned.keySet());
    }

    /** Whether a delivery is still this channel's to handle: not overtaken by a rewind, its partition owned, the channel running. */
    boolean current(LogMessage.Delivery delivery) {
        PartitionProgress partition = delivery.partition();
        return !state.isStopped() && !closed && owned.get(partition.partition) == partition
                && !partition.isStale(delivery.generation(), delivery.offset());
    }

    boolean current(List<LogMessage.Delivery> deliveries) {
        for (LogMessage.Delivery delivery : deliveries) {
            if (!current(delivery)) {
                return false;
            }
        }
        return true;
    }

    void acked(List<LogMessage.Delivery> deliveries) {
        boolean commitNow = settings.commitStrategy() == CommitStrategy.LATEST;
        for (LogMessage.Delivery delivery : deliveries) {
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

    /**
     * The records will not be handled by these deliveries: those still current are read again, from
     * the first of them in each partition (a batch may hold records of several partitions).
     */
    void abandoned(List<LogMessage.Delivery> deliveries) {
        Map<PartitionProgress, Long> readAgain = new java.util.HashMap<>();
        for (LogMessage.Delivery delivery : deliveries) {
            if (current(delivery)) {
                readAgain.merge(delivery.partition(), delivery.offset(), Math::min);
            }
        }
        readAgain.forEach(PartitionProgress::rewind);
        for (LogMessage.Delivery delivery : deliveries) {
            delivery.partition().abandoned();
            settled();
        }
        if (!readAgain.isEmpty()) {
            wake.run();
        }
    }

    void nacked(List<LogMessage.Delivery> deliveries, Throwable reason) {
        CommitRefused refused = CommitRefused.in(reason);
        if (refused != null && refused.why == CommitRefused.Why.ALREADY_COMMITTED) {
            LOG.debugf("Channel %s: %s", settings.channel(), refused.getMessage());
            acked(deliveries);
            return;
        }
        if (!current(deliveries) || (refused != null && refused.why == CommitRefused.Why.LOST)) {
            // another member's, or read again already: nothing to decide here
            deliveries.forEach(delivery -> {
                delivery.partition().abandoned();
                settled();
            });
            return;
        }
        if (refused != null || TransientFailures.isTransient(reason)) {
            if (state.handlerMetDatabaseFailure()) {
                LOG.warnf("Channel %s reads %s again from record %s: its handler failed because the database did (%s);"
                        + " this is not a failure of the record", settings.channel(), topic.name(),
                        describe(deliveries.get(0)), refused != null ? refused.getMessage() : TransientFailures.describe(reason));
            }
            abandoned(deliveries);
            return;
        }
        if (settings.failOnNack()) {
            deliveries.forEach(delivery -> {
                delivery.partition().abandoned();
                settled();
            });
            failChannel(reason);
            return;
        }
        LOG.warnf("Channel %s ignores the failure of record %s (failure-strategy=ignore): %s", settings.channel(),
                describe(deliveries.get(0)), reason);
        acked(deliveries);
    }

    /** A nack after the handler's transaction had committed the records: nothing to undo. */
    void nackedAfterCommit(List<LogMessage.Delivery> deliveries, Throwable reason) {
        LOG.warnf("Channel %s: the handler of record %s failed (%s) after its transaction had committed the record:"
                + " it is not delivered again", settings.channel(), describe(deliveries.get(0)), reason);
    }

    private String describe(LogMessage.Delivery delivery) {
        return topic.name() + "-" + delivery.partition().partition + "@" + delivery.offset();
    }

    /** Commits the deliveries' offsets in the calling thread's transaction (see {@link HandlerTransactionCommit}). */
    void commitInTransaction(List<LogMessage.Delivery> deliveries) throws SQLException {
        inTransaction.commit(deliveries, this::current);
    }

    /**
     * The {@code fail} strategy: stop reading, fail the stream, report unhealthy and not live; the
     * records read ahead go no further, the acked ones are committed, and the member leaves the
     * group, so that its partitions do not stay owned and unread.
     */
    private void failChannel(Throwable reason) {
        if (state.stop(reason)) {
            fetching = false;
            LOG.errorf("Channel %s stops after a failed record (failure-strategy=fail): %s", settings.channel(), reason);
            context.runOnContext(ignored -> emitter.fail(reason));
            wake.run();
        }
    }

    private void run() {
        long heartbeatInterval = settings.sessionTimeout().toNanos() / 3;
        long nextHeartbeat = System.nanoTime();
        long nextCommit = System.nanoTime() + settings.commitInterval().toNanos();
        while (running && !state.isStopped()) {
            try {
                long now = System.nanoTime();
                if (now - nextHeartbeat >= 0) {
                    heartbeat(false);
                    nextHeartbeat = now + heartbeatInterval;
                    nextCommit = now + settings.commitInterval().toNanos();
                } else if (ackedSinceCommit.getAndSet(false) || now - nextCommit >= 0) {
                    commit(null);
                    nextCommit = now + settings.commitInterval().toNanos();
                }
                if (fetch()) {
                    continue;
                }
                long until = Math.min(nextHeartbeat, nextCommit) - System.nanoTime();
                waitForWake(Math.max(1, Math.min(settings.pollInterval().toNanos(), until)));
            } catch (SQLException | RuntimeException e) {
                if (!running || state.isStopped()) {
                    break;
                }
                if (state.statementFailed(e)) {
                    LOG.warnf("Channel %s cannot reach topic %s: %s; retrying every %s", settings.channel(), topic.name(),
                            e.getMessage(), settings.pollInterval());
                }
                waitForWake(settings.pollInterval().toNanos());
            }
        }
        try {
            heartbeat(true);
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Channel %s could not commit or leave group %s before stopping (%s); its partitions move to the"
                    + " other members after the session timeout", settings.channel(), settings.groupId(), e.getMessage());
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
        if (!fetching || room <= 0) {
            return false;
        }
        owned.values().forEach(PartitionProgress::applyRewind);
        List<PartitionProgress> readable = owned.values().stream().filter(p -> !p.draining).toList();
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
        List<Decoded> batch = new ArrayList<>(records.size());
        List<Pending> emissions = new ArrayList<>(records.size());
        for (StoredRecord record : records) {
            PartitionProgress partition = owned.get(record.partition());
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
                warnDropped(partition.partition, partition.position, record.offset());
                partition.dropped(partition.position, record.offset());
            }
            partition.position = record.offset() + 1;
            Decoded decoded = decode(new LogMessage.Delivery(partition, record.offset(), generation), record);
            if (decoded == null) {
                continue;
            }
            if (settings.batch()) {
                batch.add(decoded);
            } else {
                emissions.add(emission(decoded.payload(), decoded.metadata(), List.of(decoded.delivery())));
            }
        }
        if (!batch.isEmpty()) {
            emissions.add(emission(batch.stream().map(Decoded::payload).toList(),
                    new IncomingLogBatchMetadata(topic.name(), batch.stream().<IncomingLogMetadata<?>> map(Decoded::metadata)
                            .toList()),
                    batch.stream().map(Decoded::delivery).toList()));
        }
        onContext.emit(emitter, emissions);
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

    private record Decoded(Object payload, IncomingLogMetadata<Object> metadata, LogMessage.Delivery delivery) {
    }

    /** Reads the record's key and payload; one that cannot be read is nacked ({@code null}). */
    private Decoded decode(LogMessage.Delivery delivery, StoredRecord record) {
        Object key;
        Object value;
        java.util.Map<String, String> headers;
        try {
            key = RecordKeys.deserialize(record.key(), settings.keyType());
            value = codec.decode(record.payload(), record.contentType(), valueType);
            headers = codec.decodeHeaders(record.headers());
        } catch (IllegalArgumentException e) {
            // the log cannot skip a record on its own: it is the channel's failure strategy's call
            nacked(List.of(delivery), new IllegalArgumentException("Record " + topic.name() + "-"
                    + record.partition() + "@" + record.offset() + " cannot be read: " + e.getMessage(), e));
            return null;
        }
        Object payload = recordPayload ? Record.of(key, value) : value;
        return new Decoded(payload, new IncomingLogMetadata<>(topic.name(), record.partition(), record.offset(), key,
                record.timestamp(), headers, settings.groupId()), delivery);
    }

    private void warnDropped(int partition, long offset, long logStartOffset) {
        LOG.warnf("Group %s was at offset %d of %s-%d, which retention has dropped: it goes on at the earliest offset"
                + " kept, %d", settings.groupId(), offset, topic.name(), partition, logStartOffset);
    }

    /** A message to emit: a record, or the records of a batch channel's read. */
    private Pending emission(Object payload, Object metadata, List<LogMessage.Delivery> deliveries) {
        return new Pending(metadata, withContext -> new LogMessage<>(payload, withContext, deliveries, this));
    }

    /**
     * Commits what was acked, then heartbeats: gives up the partitions that are no longer this
     * member's share once drained (every record delivered settled and committed), and starts on the
     * newly owned ones.
     */
    private void heartbeat(boolean leaving) throws SQLException {
        long now = System.nanoTime();
        // drained (or past the deadline), and committed just below: given up in this heartbeat
        List<Integer> released = new ArrayList<>();
        for (PartitionProgress partition : owned.values()) {
            if (partition.draining && (partition.inFlight() == 0
                    || now - drainDeadlines.getOrDefault(partition.partition, now) >= 0)) {
                released.add(partition.partition);
            }
        }
        commit(null);
        List<OwnedPartition> nowOwned = store.heartbeat(dataSource, settings.groupId(), topic, memberId,
                settings.sessionTimeout(), settings.resetToEarliest(), leaving,
                released.stream().mapToInt(Integer::intValue).toArray());
        state.statementWorked();
        Set<Integer> seen = new HashSet<>();
        for (OwnedPartition partition : nowOwned) {
            seen.add(partition.partition());
            PartitionProgress current = owned.get(partition.partition());
            if (current == null || current.epoch != partition.epoch()) {
                long start = partition.committedOffset();
                if (start < partition.logStartOffset()) {
                    warnDropped(partition.partition(), start, partition.logStartOffset());
                    start = partition.logStartOffset();
                }
                current = new PartitionProgress(partition.partition(), partition.epoch(), start);
                owned.put(partition.partition(), current);
                LOG.debugf("Channel %s (member %s of group %s) reads %s-%d from offset %d", settings.channel(), memberId,
                        settings.groupId(), topic.name(), partition.partition(), start);
            }
            if (partition.assigned() && current.draining) {
                // its share again before it was drained and given up: read it again
                current.draining = false;
                drainDeadlines.remove(partition.partition());
                LOG.debugf("Channel %s reads %s-%d again: it is this member's share again", settings.channel(),
                        topic.name(), partition.partition());
            } else if (!partition.assigned() && !current.draining) {
                current.draining = true;
                drainDeadlines.put(partition.partition(), now + settings.sessionTimeout().toNanos());
            }
            watchForStall(current, partition, now);
        }
        owned.keySet().removeIf(partition -> !seen.contains(partition));
        drainDeadlines.keySet().removeIf(partition -> !seen.contains(partition));
        stalls.retain(seen);
    }

    /** Reports a partition that makes no progress while records wait; reads it again if the channel held it up. */
    private void watchForStall(PartitionProgress partition, OwnedPartition stored, long now) {
        boolean readable = fetching && unsettled.get() < settings.maxPollRecords();
        long waiting = stored.logEndOffset() - partition.committed;
        switch (stalls.check(partition.partition, partition.position, partition.committed, stored.logEndOffset(),
                partition.inFlight(), readable, now)) {
            case READ_AGAIN -> {
                LOG.warnf("Channel %s made no progress on %s-%d for over %d s though %d record(s) wait past offset %d and"
                        + " none is with the handler: it reads the partition again from there", settings.channel(),
                        topic.name(), partition.partition, TimeUnit.NANOSECONDS.toSeconds(stalls.threshold()), waiting,
                        partition.committed);
                PartitionProgress again = new PartitionProgress(partition.partition, partition.epoch, partition.committed);
                again.draining = !stored.assigned();
                owned.put(partition.partition, again);
            }
            case HANDLER_HOLDS -> LOG.warnf("Channel %s made no progress on %s-%d for over %d s: its handler holds %d"
                    + " record(s) of it (from offset %d) and %d record(s) wait; a handler that does not return holds the"
                    + " partition up", settings.channel(), topic.name(), partition.partition,
                    TimeUnit.NANOSECONDS.toSeconds(stalls.threshold()), partition.inFlight(), partition.committed, waiting);
            default -> {
            }
        }
    }

    /**
     * Commits, for each partition owned, the offset before which every record was acked, in one
     * statement fenced by the partitions' epochs, on {@code connection} (the caller's transaction)
     * or on a connection of its own when {@code null}. A partition the group gave to another member
     * meanwhile is dropped: its records are that member's now.
     */
    private void commit(Connection connection) throws SQLException {
        List<PartitionProgress> due = new ArrayList<>();
        List<Long> nextOffsets = new ArrayList<>();
        for (PartitionProgress partition : owned.values()) {
            long next = partition.committable();
            if (next != partition.committed) {
                due.add(partition);
                nextOffsets.add(next);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        int[] partitions = due.stream().mapToInt(p -> p.partition).toArray();
        long[] offsets = nextOffsets.stream().mapToLong(Long::longValue).toArray();
        long[] epochs = due.stream().mapToLong(p -> p.epoch).toArray();
        List<Integer> committed;
        if (connection != null) {
            committed = store.commit(connection, settings.groupId(), topic, memberId, partitions, offsets, epochs);
        } else {
            try (Connection own = dataSource.getConnection()) {
                committed = store.commit(own, settings.groupId(), topic, memberId, partitions, offsets, epochs);
            }
        }
        for (int i = 0; i < due.size(); i++) {
            PartitionProgress partition = due.get(i);
            if (committed.contains(partition.partition)) {
                partition.committedUpTo(offsets[i]);
            } else if (owned.remove(partition.partition, partition)) {
                LOG.infof("Channel %s lost %s-%d before committing offset %d (it went to another member of group %s,"
                        + " or the group was moved by a seek): the partition's records from the group's offset on are"
                        + " read by its owner now", settings.channel(), topic.name(), partition.partition, offsets[i],
                        settings.groupId());
            }
        }
    }

    private void waitForWake(long nanos) {
        try {
            wakeSignal.poll(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops reading records; acks are still committed until {@link #stop()}. */
    public void stopFetching() {
        fetching = false;
    }

    @Override
    public void stopTakingWork() {
        stopFetching();
    }

    /**
     * Waits until every record delivered was acked or nacked, at most until {@code shutdown-timeout}
     * after {@code since} (a System.nanoTime). Call {@link #stopFetching()} first.
     */
    @Override
    public void awaitSettled(long since) {
        long deadline = since + settings.shutdownTimeout().toNanos();
        while (thread.isAlive() && System.nanoTime() - deadline < 0
                && owned.values().stream().anyMatch(p -> p.inFlight() > 0)) {
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
        requestStop();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    private void requestStop() {
        fetching = false;
        running = false;
        if (wakeups != null) {
            wakeups.unregister(wakeKey, wake);
        }
        wake.run();
    }
}
