package dev.pgmessaging.runtime.log;

import java.time.Duration;

import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.log.commit.CommitStrategy;
import dev.pgmessaging.runtime.log.fault.FailureStrategy;
import dev.pgmessaging.runtime.payload.PayloadType;

/**
 * What a topic consumer channel needs, validated (see {@code ChannelSettings}).
 *
 * @param groupId the consumer group ({@code group.id})
 * @param resetToEarliest where a group without a committed offset starts: the earliest record kept, or the next one
 * @param sessionTimeout how long a member that stopped heart-beating keeps its partitions
 * @param commitStrategy when acked offsets are committed
 * @param commitInterval with the throttled strategy: how often
 * @param maxPollRecords the most records read from a partition by one fetch
 * @param failureStrategy what a nacked record does: stop the channel, or be committed as if processed
 * @param listen whether to be woken by notifications, or to poll only
 * @param ackInTransaction whether a handler's transaction commits the record's offset
 * @param seekOnStart where to move the group at startup, or {@code null}
 * @param batch whether to emit the records of one read together, as one message with a list payload
 */
public record LogConsumerSettings(String channel, String topic, int partitions, Duration retention, String groupId,
        boolean resetToEarliest, Duration sessionTimeout, CommitStrategy commitStrategy, Duration commitInterval,
        int maxPollRecords, Duration pollInterval, Duration shutdownTimeout, PayloadType payloadType, Class<?> keyType,
        FailureStrategy failureStrategy, boolean listen, boolean ackInTransaction, SeekTo seekOnStart,
        boolean batch) {
}
