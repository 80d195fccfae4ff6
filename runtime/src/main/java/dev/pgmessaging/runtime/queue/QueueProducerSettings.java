package dev.pgmessaging.runtime.queue;

import java.time.Duration;

/**
 * The validated settings of one outgoing queue channel.
 *
 * @param channel the channel name
 * @param queue the queue messages are sent to
 * @param maxBatchSize the maximum number of messages appended by one statement
 * @param notifyConsumers whether to wake consumers with NOTIFY
 * @param priority the priority of messages whose metadata sets none
 * @param delay the delay of messages whose metadata sets none
 * @param timeToLive the time to live of messages whose metadata sets none, or {@code null} for none
 */
public record QueueProducerSettings(String channel, String queue, int maxBatchSize, boolean notifyConsumers, int priority,
        Duration delay, Duration timeToLive) {
}
