package dev.pgmessaging.runtime;

import java.time.Duration;
import java.util.Optional;

import dev.pgmessaging.runtime.payload.PayloadType;
import dev.pgmessaging.runtime.queue.QueueConsumerSettings;
import dev.pgmessaging.runtime.queue.QueueProducerSettings;
import dev.pgmessaging.runtime.queue.fault.Backoff;
import dev.pgmessaging.runtime.queue.fault.FailureStrategy;
import dev.pgmessaging.runtime.sql.Identifiers;
import io.quarkus.datasource.common.runtime.DataSourceUtil;
import io.quarkus.runtime.configuration.DurationConverter;

/**
 * Reads and validates the attributes of a channel once, at startup: a bad value fails the
 * startup with one message naming the channel and the property.
 */
final class ChannelSettings {

    record Incoming(String channel, String dataSource, QueueConsumerSettings queue) {
    }

    record Outgoing(String channel, String dataSource, QueueProducerSettings queue) {
    }

    private ChannelSettings() {
    }

    static Incoming incoming(PostgresConnectorIncomingConfiguration config) {
        String channel = config.getChannel();
        Problems problems = new Problems("mp.messaging.incoming." + channel + ".");
        String queue = queueName(problems, "queue", config.getQueue().orElse(channel));
        String deadLetterQueue = queueName(problems, "dead-letter-queue", config.getDeadLetterQueue().orElse(queue + ".dlq"));
        int claimSize = positive(problems, "claim-size", config.getClaimSize(), 10_000);
        int prefetch = positive(problems, "prefetch", config.getPrefetch(), 100_000);
        Duration visibilityTimeout = duration(problems, "visibility-timeout", config.getVisibilityTimeout());
        Duration pollInterval = duration(problems, "poll-interval", config.getPollInterval());
        PayloadType payloadType = payloadType(problems, config.getPayloadType());
        int maxAttempts = positive(problems, "max-attempts", config.getMaxAttempts(), 1_000_000);
        Backoff backoff = new Backoff(duration(problems, "retry-initial-delay", config.getRetryInitialDelay()),
                duration(problems, "retry-max-delay", config.getRetryMaxDelay()));
        FailureStrategy failureStrategy = FailureStrategy.of(config.getFailureStrategy(), maxAttempts, backoff);
        if (failureStrategy == null) {
            problems.fail("failure-strategy", config.getFailureStrategy(), "it must be one of " + FailureStrategy.DEAD_LETTER
                    + ", " + FailureStrategy.RETRY + ", " + FailureStrategy.IGNORE + ", " + FailureStrategy.FAIL);
        }
        return new Incoming(channel, dataSource(config.getDatasource()),
                new QueueConsumerSettings(channel, queue, deadLetterQueue, claimSize, prefetch, visibilityTimeout,
                        pollInterval, config.getNotifications(), payloadType, failureStrategy,
                        duration(problems, "max-lease-duration", config.getMaxLeaseDuration()),
                        duration(problems, "shutdown-timeout", config.getShutdownTimeout()),
                        deadLetterExpired(problems, config.getExpiryStrategy())));
    }

    static Outgoing outgoing(PostgresConnectorOutgoingConfiguration config) {
        String channel = config.getChannel();
        Problems problems = new Problems("mp.messaging.outgoing." + channel + ".");
        String queue = queueName(problems, "queue", config.getQueue().orElse(channel));
        int maxBatchSize = positive(problems, "max-batch-size", config.getMaxBatchSize(), 10_000);
        payloadType(problems, config.getPayloadType());
        int priority = config.getPriority();
        if (priority < Short.MIN_VALUE || priority > Short.MAX_VALUE) {
            problems.fail("priority", priority, "it must be between " + Short.MIN_VALUE + " and " + Short.MAX_VALUE);
        }
        Duration delay = config.getDelay().map(value -> duration(problems, "delay", value)).orElse(Duration.ZERO);
        Duration timeToLive = config.getTimeToLive().map(value -> duration(problems, "time-to-live", value)).orElse(null);
        return new Outgoing(channel, dataSource(config.getDatasource()), new QueueProducerSettings(channel, queue,
                maxBatchSize, config.getNotifications(), priority, delay, timeToLive));
    }

    private static boolean deadLetterExpired(Problems problems, String strategy) {
        return switch (strategy) {
            case "dead-letter" -> true;
            case "drop" -> false;
            default -> {
                problems.fail("expiry-strategy", strategy, "it must be dead-letter or drop");
                yield false;
            }
        };
    }

    private static String dataSource(Optional<String> name) {
        return name.orElse(DataSourceUtil.DEFAULT_DATASOURCE_NAME);
    }

    private static String queueName(Problems problems, String property, String value) {
        String problem = Identifiers.queueNameProblem(value);
        if (problem != null) {
            problems.fail(property, value, problem);
        }
        return value;
    }

    private static int positive(Problems problems, String property, int value, int max) {
        if (value < 1 || value > max) {
            problems.fail(property, value, "it must be between 1 and " + max);
        }
        return value;
    }

    private static Duration duration(Problems problems, String property, String value) {
        Duration duration;
        try {
            duration = DurationConverter.parseDuration(value);
        } catch (RuntimeException e) {
            duration = null;
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            problems.fail(property, value, "it must be a positive duration such as 30s, 500ms, 5m or PT30S");
        }
        return duration;
    }

    private static PayloadType payloadType(Problems problems, Optional<String> name) {
        if (name.isEmpty()) {
            return null;
        }
        try {
            return PayloadType.parse(name.get(), Thread.currentThread().getContextClassLoader());
        } catch (IllegalArgumentException e) {
            problems.fail("payload-type", name.get(), e.getMessage());
            return null;
        }
    }

    /** Builds the one message that names the channel, the property and what is wrong with its value. */
    private record Problems(String prefix) {
        void fail(String property, Object value, String reason) {
            throw new IllegalArgumentException(
                    "Invalid channel configuration: " + prefix + property + "=" + value + ": " + reason);
        }
    }
}
