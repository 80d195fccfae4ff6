package dev.pgmessaging.runtime;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.exchange.BindingRequest;
import dev.pgmessaging.runtime.exchange.ExchangeRoute;
import dev.pgmessaging.runtime.exchange.ExchangeType;
import dev.pgmessaging.runtime.exchange.Unroutable;
import dev.pgmessaging.runtime.log.LogConsumerSettings;
import dev.pgmessaging.runtime.log.RecordKeys;
import dev.pgmessaging.runtime.log.commit.CommitStrategy;
import dev.pgmessaging.runtime.logging.ConfigurationProblems;
import dev.pgmessaging.runtime.payload.PayloadType;
import dev.pgmessaging.runtime.queue.QueueConsumerSettings;
import dev.pgmessaging.runtime.queue.QueueProducerSettings;
import dev.pgmessaging.runtime.queue.fault.Backoff;
import dev.pgmessaging.runtime.queue.fault.FailureStrategy;
import dev.pgmessaging.runtime.sql.Identifiers;
import io.quarkus.datasource.common.runtime.DataSourceUtil;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.reactive.messaging.providers.impl.ConcurrencyConnectorConfig;

/**
 * Reads and validates the attributes of a channel once, at startup: bad values fail the startup
 * with one message naming the channel, and each property and what is wrong with it.
 */
final class ChannelSettings {

    /**
     * @param binding the binding of the channel's queue to an exchange, or {@code null}
     * @param exchangeType the declared type of that exchange, or {@code null} for "as it exists, else topic"
     */
    record Incoming(String channel, String dataSource, QueueConsumerSettings queue, BindingRequest binding,
            ExchangeType exchangeType, LogConsumerSettings log) {
    }

    /**
     * @param exchangeType the declared type of the channel's exchange, or {@code null} for "as it exists, else topic"
     * @param log the topic the channel appends to, or {@code null} for a queue channel
     */
    record Outgoing(String channel, String dataSource, QueueProducerSettings queue, ExchangeType exchangeType,
            LogProducerSettings log) {
    }

    /** What a topic producer channel needs. */
    record LogProducerSettings(String topic, int partitions, Duration retention, int maxBatchSize, boolean notifyConsumers,
            Duration deliveryTimeout) {
    }

    /** The attributes that only mean something on a queue channel, refused on a topic channel. */
    static final List<String> QUEUE_ONLY = List.of("queue", "exchange", "exchange-type", "routing-key",
            "routing-keys", "binding-headers", "ordered-by-key", "dead-letter-queue", "ack-mode", "visibility-timeout",
            "priority", "delay", "time-to-live");
    /** The longest partition count a topic may have. */
    static final int MAX_PARTITIONS = 1_000;

    /** The prefetch of an {@code ordered-by-key} channel that does not set one. */
    static final int ORDERED_PREFETCH = 1;

    private ChannelSettings() {
    }

    static Incoming incoming(PostgresConnectorIncomingConfiguration config) {
        ConfigurationProblems problems = new ConfigurationProblems("incoming", config.getChannel());
        return checked(problems, () -> incoming(problems, config));
    }

    static Outgoing outgoing(PostgresConnectorOutgoingConfiguration config) {
        ConfigurationProblems problems = new ConfigurationProblems("outgoing", config.getChannel());
        return checked(problems, () -> outgoing(problems, config));
    }

    /**
     * Reads every attribute, so that all the problems of a channel are reported together; a value
     * that has a problem is left unusable, and what is built from it may fail: the problems are
     * reported then, not that failure.
     */
    private static <T> T checked(ConfigurationProblems problems, Supplier<T> read) {
        T settings;
        try {
            settings = read.get();
        } catch (RuntimeException e) {
            problems.throwIfAny();
            throw e;
        }
        problems.throwIfAny();
        return settings;
    }

    private static Incoming incoming(ConfigurationProblems problems, PostgresConnectorIncomingConfiguration config) {
        String channel = config.getChannel();
        if (config.getTopic().isPresent()) {
            return new Incoming(channel, dataSource(config.getDatasource()), null, null, null, logConsumer(problems, config));
        }
        // the copies of a channel with concurrency=N are named <channel>$1..$N and share its queue
        String queue = queueName(problems, "queue", config.getQueue().orElse(
                ConcurrencyConnectorConfig.isConcurrencyChannelName(channel)
                        ? ConcurrencyConnectorConfig.stripChannelNameOfSeparator(channel)
                        : channel));
        String deadLetterQueue = queueName(problems, "dead-letter-queue", config.getDeadLetterQueue().orElse(queue + ".dlq"));
        int claimSize = positive(problems, "claim-size", config.getClaimSize(), 10_000);
        // An ordered channel holds the key of every message it has leased: with the usual prefetch, the
        // first channel to claim would take every key and leave the other consumers idle.
        boolean prefetchSet = config.config().getOptionalValue("prefetch", String.class).isPresent();
        int prefetch = config.getOrderedByKey() && !prefetchSet ? ORDERED_PREFETCH
                : positive(problems, "prefetch", config.getPrefetch(), 100_000);
        Duration visibilityTimeout = duration(problems, "visibility-timeout", config.getVisibilityTimeout());
        Duration pollInterval = duration(problems, "poll-interval", config.getPollInterval());
        PayloadType payloadType = payloadType(problems, config.getPayloadType());
        int maxAttempts = positive(problems, "max-attempts", config.getMaxAttempts(), 1_000_000);
        Backoff backoff = new Backoff(duration(problems, "retry-initial-delay", config.getRetryInitialDelay()),
                duration(problems, "retry-max-delay", config.getRetryMaxDelay()));
        String failureStrategyName = config.getFailureStrategy().orElse(FailureStrategy.DEAD_LETTER);
        FailureStrategy failureStrategy = FailureStrategy.of(failureStrategyName, maxAttempts, backoff);
        if (failureStrategy == null) {
            problems.add("failure-strategy", failureStrategyName, "it must be one of " + FailureStrategy.DEAD_LETTER
                    + ", " + FailureStrategy.RETRY + ", " + FailureStrategy.IGNORE + ", " + FailureStrategy.FAIL);
        }
        String exchange = config.getExchange().map(name -> exchangeName(problems, name)).orElse(null);
        BindingRequest binding = exchange == null ? null
                : new BindingRequest(exchange, queue, list(config.getRoutingKeys()),
                        bindingHeaders(problems, config.getBindingHeaders()), matchAll(problems, config.getXMatch()));
        return new Incoming(channel, dataSource(config.getDatasource()),
                new QueueConsumerSettings(channel, queue, deadLetterQueue, claimSize, prefetch, visibilityTimeout,
                        pollInterval, config.getNotifications(), payloadType, failureStrategy,
                        duration(problems, "max-lease-duration", config.getMaxLeaseDuration()),
                        duration(problems, "shutdown-timeout", config.getShutdownTimeout()),
                        deadLetterExpired(problems, config.getExpiryStrategy()), config.getOrderedByKey(),
                        config.getAckInTransaction(), config.getBatch(), archive(problems, config.getAckMode()),
                        config.getLocalDelivery()),
                binding, exchangeType(problems, config.getExchangeType()), null);
    }

    private static LogConsumerSettings logConsumer(ConfigurationProblems problems, PostgresConnectorIncomingConfiguration config) {
        String channel = config.getChannel();
        refuseQueueAttributes(problems, config.config());
        String topic = queueName(problems, "topic", config.getTopic().get());
        // as the Kafka extension does: the application's name, else (an application without one) the channel's
        String group = config.getGroupId().orElseGet(() -> org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.application.name", String.class)
                .orElse(ConcurrencyConnectorConfig.isConcurrencyChannelName(channel)
                        ? ConcurrencyConnectorConfig.stripChannelNameOfSeparator(channel)
                        : channel));
        if (group.isBlank() || group.length() > 200) {
            problems.add("group.id", group, "it must be 1 to 200 characters");
        }
        boolean earliest = switch (config.getAutoOffsetReset()) {
            case "earliest" -> true;
            case "latest" -> false;
            default -> {
                problems.add("auto.offset.reset", config.getAutoOffsetReset(), "it must be earliest or latest");
                yield false;
            }
        };
        CommitStrategy commitStrategy = CommitStrategy.of(config.getCommitStrategy());
        if (commitStrategy == null) {
            problems.add("commit-strategy", config.getCommitStrategy(), "it must be throttled or latest");
        }
        String failureStrategyName = config.getFailureStrategy().orElse(dev.pgmessaging.runtime.log.fault.FailureStrategy.FAIL);
        dev.pgmessaging.runtime.log.fault.FailureStrategy failureStrategy = dev.pgmessaging.runtime.log.fault.FailureStrategy.of(failureStrategyName);
        if (failureStrategy == null) {
            problems.add("failure-strategy", failureStrategyName, "a topic channel's must be fail or ignore");
        }
        Class<?> keyType = RecordKeys.type(config.getKeyType());
        if (keyType == null) {
            problems.add("key-type", config.getKeyType(),
                    "it must be java.lang.String, byte[], java.util.UUID, java.lang.Integer, Long, Short, Double or Float");
        }
        return new LogConsumerSettings(channel, topic, positive(problems, "partitions", config.getPartitions(), MAX_PARTITIONS),
                retention(problems, config.getRetention()), group, earliest,
                duration(problems, "session-timeout", config.getSessionTimeout()), commitStrategy,
                duration(problems, "commit-interval", config.getCommitInterval()),
                positive(problems, "max-poll-records", config.getMaxPollRecords(), 100_000),
                duration(problems, "poll-interval", config.getPollInterval()),
                duration(problems, "shutdown-timeout", config.getShutdownTimeout()),
                payloadType(problems, config.getPayloadType()), keyType, failureStrategy,
                config.getNotifications(), config.getAckInTransaction(), seek(problems, config.getSeek()),
                config.getBatch());
    }

    private static LogProducerSettings logProducer(ConfigurationProblems problems, PostgresConnectorOutgoingConfiguration config) {
        refuseQueueAttributes(problems, config.config());
        payloadType(problems, config.getPayloadType());
        return new LogProducerSettings(queueName(problems, "topic", config.getTopic().get()),
                positive(problems, "partitions", config.getPartitions(), MAX_PARTITIONS),
                retention(problems, config.getRetention()),
                positive(problems, "max-batch-size", config.getMaxBatchSize(), 10_000), config.getNotifications(),
                duration(problems, "delivery-timeout", config.getDeliveryTimeout()));
    }

    private static void refuseQueueAttributes(ConfigurationProblems problems, org.eclipse.microprofile.config.Config channelConfig) {
        for (String attribute : QUEUE_ONLY) {
            channelConfig.getOptionalValue(attribute, String.class).ifPresent(value -> problems.add(attribute, value,
                    "it applies to queue channels, and this channel reads or writes a topic (topic is set)"));
        }
    }

    private static SeekTo seek(ConfigurationProblems problems, Optional<String> value) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            return SeekTo.parse(value.get());
        } catch (IllegalArgumentException e) {
            problems.add("seek", value.get(), e.getMessage());
            return null;
        }
    }

    /** @return {@code null} for {@code forever} */
    private static Duration retention(ConfigurationProblems problems, String value) {
        return "forever".equals(value) ? null : duration(problems, "retention", value);
    }

    private static Outgoing outgoing(ConfigurationProblems problems, PostgresConnectorOutgoingConfiguration config) {
        String channel = config.getChannel();
        if (config.getTopic().isPresent()) {
            return new Outgoing(channel, dataSource(config.getDatasource()), null, null, logProducer(problems, config));
        }
        String queue = queueName(problems, "queue", config.getQueue().orElse(channel));
        ExchangeRoute route = null;
        if (config.getExchange().isPresent()) {
            String exchange = exchangeName(problems, config.getExchange().get());
            if (config.getQueue().isPresent()) {
                problems.add("queue", queue, "a channel sends either to a queue or through an exchange (exchange="
                        + exchange + "): remove one of them");
            }
            Unroutable unroutable = Unroutable.byId(config.getUnroutable());
            if (unroutable == null) {
                problems.add("unroutable", config.getUnroutable(), "it must be drop, fail or alternate-queue");
            }
            String alternateQueue = unroutable != Unroutable.ALTERNATE_QUEUE ? null
                    : queueName(problems, "alternate-queue", config.getAlternateQueue().orElse(exchange + ".unroutable"));
            route = new ExchangeRoute(exchange, config.getRoutingKey().orElse(""), unroutable, alternateQueue);
        }
        int maxBatchSize = positive(problems, "max-batch-size", config.getMaxBatchSize(), 10_000);
        payloadType(problems, config.getPayloadType());
        int priority = config.getPriority();
        if (priority < Short.MIN_VALUE || priority > Short.MAX_VALUE) {
            problems.add("priority", priority, "it must be between " + Short.MIN_VALUE + " and " + Short.MAX_VALUE);
        }
        Duration delay = config.getDelay().map(value -> duration(problems, "delay", value)).orElse(Duration.ZERO);
        Duration timeToLive = config.getTimeToLive().map(value -> duration(problems, "time-to-live", value)).orElse(null);
        return new Outgoing(channel, dataSource(config.getDatasource()), new QueueProducerSettings(channel, queue, route,
                maxBatchSize, config.getNotifications(), priority, delay, timeToLive,
                duration(problems, "deduplication-window", config.getDeduplicationWindow()),
                duration(problems, "delivery-timeout", config.getDeliveryTimeout())),
                exchangeType(problems, config.getExchangeType()), null);
    }

    /** The one message for an exchange that exists with another type than the channel declares. */
    static IllegalArgumentException exchangeTypeConflict(String direction, String channel, ExchangeType declared,
            String exchange, ExchangeType existing) {
        return ConfigurationProblems.of(direction, channel, "exchange-type", declared.id(),
                "exchange '" + exchange + "' already exists with type " + existing.id());
    }

    private static String exchangeName(ConfigurationProblems problems, String value) {
        String problem = Identifiers.exchangeNameProblem(value);
        if (problem != null) {
            problems.add("exchange", value, problem);
        }
        return value;
    }

    private static ExchangeType exchangeType(ConfigurationProblems problems, Optional<String> value) {
        if (value.isEmpty()) {
            return null;
        }
        ExchangeType type = ExchangeType.byId(value.get());
        if (type == null) {
            problems.add("exchange-type", value.get(), "it must be one of " + ExchangeType.ids());
        }
        return type;
    }

    private static boolean matchAll(ConfigurationProblems problems, String value) {
        return switch (value) {
            case "all" -> true;
            case "any" -> false;
            default -> {
                problems.add("x-match", value, "it must be all or any");
                yield false;
            }
        };
    }

    /** Reads {@code name:value,name:value}. */
    private static Map<String, String> bindingHeaders(ConfigurationProblems problems, Optional<String> value) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String pair : list(value)) {
            int colon = pair.indexOf(':');
            if (colon < 1) {
                problems.add("binding-headers", value.get(), "it must be a comma-separated list of name:value pairs");
            }
            headers.put(pair.substring(0, colon).trim(), pair.substring(colon + 1).trim());
        }
        return headers;
    }

    private static List<String> list(Optional<String> value) {
        return value.map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of());
    }

    private static boolean archive(ConfigurationProblems problems, String ackMode) {
        return switch (ackMode) {
            case "delete" -> false;
            case "archive" -> true;
            default -> {
                problems.add("ack-mode", ackMode, "it must be delete or archive");
                yield false;
            }
        };
    }

    private static boolean deadLetterExpired(ConfigurationProblems problems, String strategy) {
        return switch (strategy) {
            case "dead-letter" -> true;
            case "drop" -> false;
            default -> {
                problems.add("expiry-strategy", strategy, "it must be dead-letter or drop");
                yield false;
            }
        };
    }

    private static String dataSource(Optional<String> name) {
        return name.orElse(DataSourceUtil.DEFAULT_DATASOURCE_NAME);
    }

    private static String queueName(ConfigurationProblems problems, String property, String value) {
        String problem = Identifiers.queueNameProblem(value);
        if (problem != null) {
            problems.add(property, value, problem);
        }
        return value;
    }

    private static int positive(ConfigurationProblems problems, String property, int value, int max) {
        if (value < 1 || value > max) {
            problems.add(property, value, "it must be between 1 and " + max);
        }
        return value;
    }

    private static Duration duration(ConfigurationProblems problems, String property, String value) {
        Duration duration;
        try {
            duration = DurationConverter.parseDuration(value);
        } catch (RuntimeException e) {
            duration = null;
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            problems.add(property, value, "it must be a positive duration such as 30s, 500ms, 5m or PT30S");
        }
        return duration;
    }

    private static PayloadType payloadType(ConfigurationProblems problems, Optional<String> name) {
        if (name.isEmpty()) {
            return null;
        }
        try {
            return PayloadType.parse(name.get(), Thread.currentThread().getContextClassLoader());
        } catch (IllegalArgumentException e) {
            problems.add("payload-type", name.get(), e.getMessage());
            return null;
        }
    }
}
