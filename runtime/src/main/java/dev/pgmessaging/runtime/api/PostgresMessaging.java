package dev.pgmessaging.runtime.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Operations on what the {@code postgres} channels of this application use: inject it
 * ({@code @Inject PostgresMessaging messaging}). A datasource is named as in
 * {@code quarkus.datasource."<name>"}; the methods without one use the default datasource.
 * Only datasources that a {@code postgres} channel of the application uses can be named.
 * <p>
 * Every operation that changes messages or offsets runs in one transaction (the caller's, when it
 * runs in one) and is safe while consumers run: an operation on messages leaves alone those in
 * flight (leased by a consumer within their visibility timeout) and those a consumer is claiming or
 * settling at that instant, so a moved or deleted message is neither lost nor delivered twice after
 * its ack; a handler whose lease had run out finds it gone, as after any redelivery. Repeat an
 * operation to reach messages that were in flight. A failure of the database is an
 * {@link IllegalStateException}; a name that does not exist, an {@link UnknownNameException} (an
 * {@link IllegalArgumentException}, as is any other value it refuses).
 */
public interface PostgresMessaging {

    /** The name that stands for the default datasource. */
    String DEFAULT_DATASOURCE = "<default>";

    /**
     * The offsets and lag of a consumer group on each partition of a topic, read from the database
     * (a few index probes per partition), for monitoring.
     */
    List<PartitionLag> lag(String dataSource, String group, String topic);

    /** {@link #lag(String, String, String)} on the default datasource. */
    default List<PartitionLag> lag(String group, String topic) {
        return lag(DEFAULT_DATASOURCE, group, topic);
    }

    /**
     * Moves a consumer group on a topic (all partitions, or one when {@code partition} is not
     * {@code null}): its members go on from there at their next heartbeat, including records they
     * had processed already (replay) or skipping records not read yet.
     *
     * @return the new committed offset of each partition, by partition
     * @throws IllegalArgumentException when there is no such topic or partition
     */
    Map<Integer, Long> seek(String dataSource, String group, String topic, Integer partition, SeekTo to);

    /** {@link #seek(String, String, String, Integer, SeekTo)} on the default datasource. */
    default Map<Integer, Long> seek(String group, String topic, Integer partition, SeekTo to) {
        return seek(DEFAULT_DATASOURCE, group, topic, partition, to);
    }

    /**
     * How many messages the outgoing channel dropped because they matched no binding of its
     * exchange ({@code unroutable=drop}), since the application started.
     */
    long unroutableCount(String channel);

    // Channels

    /**
     * The {@code postgres} channels of this application, in the order they started, with their
     * state and the attributes they resolved to.
     */
    List<ChannelInfo> channels();

    /**
     * Pauses an incoming {@code postgres} channel of this application (with its {@code concurrency}
     * copies): a queue channel claims nothing more and gives back, visible at once and not counted
     * as a delivery, the messages it holds ahead of its handler, as soon as they come up (at the
     * latest when the handler at work returns); a topic channel reads nothing more, keeps its
     * partitions (it goes on heart-beating, as a paused Kafka consumer keeps its assignment) and will
     * read again from the first record its handler did not get. Messages being handled finish.
     *
     * @throws IllegalArgumentException when the application has no such incoming channel
     */
    void pause(String channel);

    /** Resumes a paused channel (nothing happens if it is not paused). */
    void resume(String channel);

    /** @throws IllegalArgumentException when the application has no such incoming channel */
    boolean isPaused(String channel);

    // Queues

    /**
     * Every queue of the datasource's messaging schema, with its messages counted by state and its
     * dead-letter queue's depth. Reads every message once: for an operator's screen.
     */
    List<QueueInfo> queues(String dataSource);

    /** {@link #queues(String)} on the default datasource. */
    default List<QueueInfo> queues() {
        return queues(DEFAULT_DATASOURCE);
    }

    /**
     * A page of a queue's messages in id order, without leasing or locking them.
     *
     * @param afterId the last id of the previous page ({@code 0} for the first page)
     * @param limit at most this many messages (1 to 1,000)
     * @param payloadBytes at most this many bytes of each payload (up to 65,536)
     */
    List<QueuedMessage> peek(String dataSource, String queue, long afterId, int limit, int payloadBytes);

    /** {@link #peek(String, String, long, int, int)} on the default datasource, with 4 KiB of each payload. */
    default List<QueuedMessage> peek(String queue, long afterId, int limit) {
        return peek(DEFAULT_DATASOURCE, queue, afterId, limit, 4096);
    }

    /**
     * Moves dead letters back to the queue each came from (its {@code dead-letter-queue} header),
     * ready at once, with their attempts counted from zero and the dead-letter headers removed. A
     * message keeps its id; its {@code redrive-count} header counts its redrives. The consumers of
     * those queues are woken.
     *
     * @return how many messages went back to each queue
     */
    Map<String, Integer> redrive(String dataSource, String deadLetterQueue, MessageSelection selection);

    /** {@link #redrive(String, String, MessageSelection)} on the default datasource. */
    default Map<String, Integer> redrive(String deadLetterQueue, MessageSelection selection) {
        return redrive(DEFAULT_DATASOURCE, deadLetterQueue, selection);
    }

    /**
     * Moves messages to another queue, with their attempts counted from zero; a delayed message stays
     * delayed. The consumers of {@code to} are woken.
     *
     * @return how many moved
     */
    int move(String dataSource, String from, String to, MessageSelection selection);

    /**
     * Deletes messages of a queue ({@link MessageSelection#all()}: purges it).
     *
     * @return how many were deleted
     */
    int delete(String dataSource, String queue, MessageSelection selection);

    // Exchanges

    /** Every exchange with its type and bindings. */
    List<ExchangeInfo> exchanges(String dataSource);

    /**
     * Adds a binding to an existing exchange, unless it exists: messages published from now on are
     * routed by it. A binding a channel declares is added again when it starts.
     *
     * @throws IllegalArgumentException when there is no such exchange, or the binding does not fit its type
     */
    void bind(String dataSource, Binding binding);

    /** @return whether there was such a binding (it is removed) */
    boolean unbind(String dataSource, Binding binding);

    // Topics

    /** Every topic, with its partitions, retention and the groups that have offsets on it. */
    List<TopicInfo> topics(String dataSource);

    /**
     * A consumer group on a topic: its live members and where it stands on each partition.
     *
     * @throws IllegalArgumentException when there is no such topic
     */
    ConsumerGroupInfo group(String dataSource, String group, String topic);

    /**
     * Deletes a consumer group's offsets on a topic. Refused while the group has live members on it,
     * as Kafka refuses to delete a group that is not empty.
     *
     * @throws IllegalStateException while the group has live members
     * @throws IllegalArgumentException when there is no such topic
     */
    void deleteGroup(String dataSource, String group, String topic);

    /**
     * Changes how long a topic keeps its records ({@code null}: for ever); the upkeep drops the
     * days past it at its next run.
     *
     * @throws IllegalArgumentException when there is no such topic
     */
    void setRetention(String dataSource, String topic, Duration retention);
}
