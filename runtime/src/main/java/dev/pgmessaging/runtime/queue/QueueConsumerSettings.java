package dev.pgmessaging.runtime.queue;

import java.time.Duration;

import dev.pgmessaging.runtime.payload.PayloadType;
import dev.pgmessaging.runtime.queue.fault.FailureStrategy;

/**
 * The validated settings of one incoming queue channel.
 *
 * @param channel the channel name
 * @param queue the queue consumed
 * @param deadLetterQueue where messages that cannot be processed go
 * @param claimSize the maximum number of messages leased by one claim statement
 * @param prefetch the maximum number of messages leased and not yet acked or nacked
 * @param visibilityTimeout how long a lease lasts before the message is delivered again
 * @param pollInterval how often an idle consumer checks for messages without a notification
 * @param listen whether to be woken by LISTEN/NOTIFY
 * @param payloadType the type payloads are read as, or {@code null} to go by content type
 * @param failureStrategy what to do with a message whose processing failed
 * @param maxLeaseDuration how long heartbeats may keep a message leased to a running handler
 * @param shutdownTimeout how long a stopping channel waits for its delivered messages to be settled
 * @param deadLetterExpired whether expired messages go to the dead-letter queue (else they are dropped)
 * @param orderedByKey whether messages of one key are delivered one at a time, in order
 * @param ackInTransaction whether a transaction begun by the handler deletes the message when it commits
 * @param batch whether the messages of one claim are delivered together, as one message
 * @param archive whether acked messages move to the archive instead of being deleted
 * @param localDelivery whether this application's producers may hand messages to the idle channel
 *        (see {@link LocalDeliveries})
 */
public record QueueConsumerSettings(String channel, String queue, String deadLetterQueue, int claimSize, int prefetch,
        Duration visibilityTimeout, Duration pollInterval, boolean listen, PayloadType payloadType,
        FailureStrategy failureStrategy, Duration maxLeaseDuration, Duration shutdownTimeout,
        boolean deadLetterExpired, boolean orderedByKey, boolean ackInTransaction, boolean batch, boolean archive,
        boolean localDelivery) {
}
