package dev.pgmessaging.runtime.queue;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.metrics.ChannelMeters;

/**
 * What a channel decided for the messages it leased (ack, release after a delay, give back, dead letter),
 * collected from any thread and written by the channel's thread: acks in one statement,
 * releases in one statement, dead letters one by one. All of them are fenced by the delivery's
 * lease token, and a batch that could not be written is kept for the next flush.
 */
public final class Settlements {

    private record Release(ClaimedMessage message, Duration delay) {
    }

    private record DeadLetter(ClaimedMessage message, Throwable reason) {
    }

    private final String channel;
    private final String deadLetterQueue;
    private final Runnable wake;
    private final Consumer<ClaimedMessage> settled;
    private final Consumer<Throwable> channelFailure;
    private final Supplier<ChannelMeters> meters;
    private final Queue<ClaimedMessage> acks = new ConcurrentLinkedQueue<>();
    private final Queue<Release> releases = new ConcurrentLinkedQueue<>();
    /** Messages that never reached a handler (a paused channel's). */
    private final Queue<ClaimedMessage> givenBack = new ConcurrentLinkedQueue<>();
    private final Queue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
    private final boolean archive;

    /**
     * @param archive whether acked messages move to the archive instead of being deleted
     * @param wake wakes the channel's thread, which flushes
     * @param settled told of each message once its settlement is written
     * @param channelFailure fails the channel (the {@code fail} strategy)
     * @param meters count the retries and dead letters written
     */
    Settlements(String channel, String deadLetterQueue, boolean archive, Runnable wake, Consumer<ClaimedMessage> settled,
            Consumer<Throwable> channelFailure, Supplier<ChannelMeters> meters) {
        this.channel = channel;
        this.archive = archive;
        this.deadLetterQueue = deadLetterQueue;
        this.wake = wake;
        this.settled = settled;
        this.channelFailure = channelFailure;
        this.meters = meters;
    }

    public void ack(ClaimedMessage message) {
        acks.add(message);
        wake.run();
    }

    /** Gives the message back to the queue, visible again after the delay (zero: at once). */
    public void release(ClaimedMessage message, Duration delay) {
        releases.add(new Release(message, delay));
        wake.run();
    }

    /** Gives back a message that never reached its handler: visible at once, this delivery not counted. */
    public void giveBack(ClaimedMessage message) {
        givenBack.add(message);
        wake.run();
    }

    /** Moves the message to the channel's dead-letter queue, with the reason in its headers. */
    public void deadLetter(ClaimedMessage message, Throwable reason) {
        deadLetters.add(new DeadLetter(message, reason));
        wake.run();
    }

    public String channel() {
        return channel;
    }

    public String deadLetterQueue() {
        return deadLetterQueue;
    }

    /** Stops the channel: no more messages are claimed and the stream fails with the reason. */
    public void failChannel(Throwable reason) {
        channelFailure.accept(reason);
    }

    /** What a flush wrote. */
    record Flushed(boolean any, boolean released) {
    }

    Flushed flush(QueueStore store, DataSource dataSource) throws SQLException {
        boolean acked = flushAcks(store, dataSource);
        boolean released = flushReleases(store, dataSource) | flushGivenBack(store, dataSource);
        boolean deadLettered = flushDeadLetters(store, dataSource);
        return new Flushed(acked || released || deadLettered, released);
    }

    private boolean flushAcks(QueueStore store, DataSource dataSource) throws SQLException {
        List<ClaimedMessage> batch = drain(acks);
        if (batch.isEmpty()) {
            return false;
        }
        try {
            store.ack(dataSource, ids(batch), tokens(batch), archive);
        } catch (SQLException | RuntimeException e) {
            acks.addAll(batch);
            throw e;
        }
        batch.forEach(settled);
        return true;
    }

    private boolean flushReleases(QueueStore store, DataSource dataSource) throws SQLException {
        List<Release> batch = drain(releases);
        if (batch.isEmpty()) {
            return false;
        }
        List<ClaimedMessage> messages = batch.stream().map(Release::message).toList();
        double[] delays = batch.stream().mapToDouble(r -> r.delay().toMillis() / 1000.0).toArray();
        try {
            store.release(dataSource, ids(messages), tokens(messages), delays);
        } catch (SQLException | RuntimeException e) {
            releases.addAll(batch);
            throw e;
        }
        messages.forEach(settled);
        meters.get().retried(messages.size());
        return true;
    }

    private boolean flushGivenBack(QueueStore store, DataSource dataSource) throws SQLException {
        List<ClaimedMessage> batch = drain(givenBack);
        if (batch.isEmpty()) {
            return false;
        }
        try {
            store.giveBack(dataSource, ids(batch), tokens(batch));
        } catch (SQLException | RuntimeException e) {
            givenBack.addAll(batch);
            throw e;
        }
        batch.forEach(settled);
        return true;
    }

    private boolean flushDeadLetters(QueueStore store, DataSource dataSource) throws SQLException {
        boolean any = false;
        for (DeadLetter letter; (letter = deadLetters.peek()) != null; any = true) {
            ClaimedMessage message = letter.message();
            store.deadLetter(dataSource, message.id(), message.leaseToken(), deadLetterQueue, letter.reason());
            LOG.deadLettered(channel, message.id(), message.attempt(), deadLetterQueue, letter.reason());
            deadLetters.remove();
            settled.accept(message);
            meters.get().deadLettered(1);
        }
        return any;
    }

    private static <T> List<T> drain(Queue<T> queue) {
        List<T> batch = new ArrayList<>();
        for (T item; (item = queue.poll()) != null;) {
            batch.add(item);
        }
        return batch;
    }

    private static long[] ids(List<ClaimedMessage> messages) {
        return messages.stream().mapToLong(ClaimedMessage::id).toArray();
    }

    private static long[] tokens(List<ClaimedMessage> messages) {
        return messages.stream().mapToLong(ClaimedMessage::leaseToken).toArray();
    }
}
