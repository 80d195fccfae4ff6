package dev.pgmessaging.runtime.queue;

import java.time.Duration;

import dev.pgmessaging.runtime.exchange.ExchangeRoute;

/**
 * The validated settings of one outgoing queue channel.
 *
 * @param channel the channel name
 * @param queue the queue messages are sent to, unless they go through an exchange
 * @param exchange the exchange messages are published to, or {@code null} to send them to {@code queue}
 * @param maxBatchSize the maximum number of messages appended by one statement
 * @param notifyConsumers whether to wake consumers with NOTIFY
 * @param priority the priority of messages whose metadata sets none
 * @param delay the delay of messages whose metadata sets none
 * @param timeToLive the time to live of messages whose metadata sets none, or {@code null} for none
 * @param deduplicationWindow how long a deduplication id keeps out a second message with the same id
 * @param deliveryTimeout how long a write that failed because the database did is tried again
 */
public record QueueProducerSettings(String channel, String queue, ExchangeRoute exchange, int maxBatchSize, boolean notifyConsumers, int priority,
        Duration delay, Duration timeToLive, Duration deduplicationWindow, Duration deliveryTimeout) {
}
