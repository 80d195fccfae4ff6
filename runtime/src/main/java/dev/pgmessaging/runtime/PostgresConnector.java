package dev.pgmessaging.runtime;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.INCOMING;
import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.INCOMING_AND_OUTGOING;
import static io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction.OUTGOING;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.runtime.channel.ChannelEndpoint;
import dev.pgmessaging.runtime.channel.ConsumerChannel;
import dev.pgmessaging.runtime.exchange.ExchangeRoute;
import dev.pgmessaging.runtime.exchange.ExchangeType;
import dev.pgmessaging.runtime.log.LogConsumerSettings;
import dev.pgmessaging.runtime.log.LogSink;
import dev.pgmessaging.runtime.log.LogSource;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.metrics.MessagingMeters;
import dev.pgmessaging.runtime.outbox.TransactionalOutbox;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.QueueSink;
import dev.pgmessaging.runtime.queue.QueueSource;
import dev.pgmessaging.runtime.tracing.MessageTracing;

import io.opentelemetry.api.OpenTelemetry;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.health.HealthReporter;
import io.smallrye.reactive.messaging.providers.connectors.ExecutionHolder;

/**
 * The {@code postgres} connector: channels whose messages move through PostgreSQL tables.
 * <p>
 * Every channel attribute is declared here, once; the configuration classes and the attribute
 * reference in the docs are generated from these declarations.
 */
@ApplicationScoped
@Connector(PostgresConnector.NAME)
// Common
@ConnectorAttribute(name = "tracing-enabled", type = "boolean", direction = INCOMING_AND_OUTGOING, defaultValue = "true",
        description = "Whether the channel makes OpenTelemetry spans when the application has `quarkus-opentelemetry`: a producer span per message sent, whose context travels in the message's `traceparent` and `tracestate` headers, and a consumer span per message delivered, continuing that trace (batches are not traced). Without OpenTelemetry the channel makes none, whatever this says.")
@ConnectorAttribute(name = "health-enabled", type = "boolean", direction = INCOMING_AND_OUTGOING, defaultValue = "true",
        description = "Whether the health checks report the channel (`/q/health/started`, `/q/health/live` and `/q/health/ready` with `quarkus-smallrye-health`): started once a consumer reached its database (a producer at once); live unless the `fail` strategy stopped it (with the reason); ready while its last statement worked (else why not), and not ready once the application shuts down.")
@ConnectorAttribute(name = "health-readiness-enabled", type = "boolean", direction = INCOMING_AND_OUTGOING, defaultValue = "true",
        description = "With `health-enabled`: whether the readiness check reports the channel. Turn it off for a channel whose database outage must not take the application out of its load balancer.")
@ConnectorAttribute(name = "datasource", type = "string", direction = INCOMING_AND_OUTGOING,
        description = "The name of the datasource (quarkus.datasource.<name>.*) holding the messaging tables. The default datasource when not set.")
@ConnectorAttribute(name = "queue", type = "string", direction = INCOMING_AND_OUTGOING,
        description = "The queue to consume from (incoming) or send to (outgoing). The channel name when not set.")
@ConnectorAttribute(name = "payload-type", type = "string", direction = INCOMING_AND_OUTGOING,
        description = "The class of the payload: `java.lang.String`, `byte[]`, a primitive or boxed type, `io.vertx.core.json.JsonObject`, or a class read and written as JSON with Jackson. Set at build time from the signatures of the channel's methods, emitters and injection points; set it to override. When nothing sets it, incoming payloads are `String` for text and JSON and `byte[]` otherwise.")
@ConnectorAttribute(name = "notifications", type = "boolean", direction = INCOMING_AND_OUTGOING, defaultValue = "true",
        description = "Whether to use LISTEN/NOTIFY: producers notify once per written batch and idle consumers wake up within milliseconds. Turn it off behind a pooler that does not support LISTEN (e.g. PgBouncer in transaction mode); consumers then rely on `poll-interval`.")
@ConnectorAttribute(name = "exchange", type = "string", direction = INCOMING_AND_OUTGOING,
        description = "Outgoing: publish the channel's messages through this exchange, which copies each one to the queues whose bindings match it (instead of sending them to `queue`). Incoming: bind the channel's `queue` to this exchange (see `routing-keys`, `binding-headers`). The exchange is created at startup if it does not exist. Same naming rules as queues.")
@ConnectorAttribute(name = "exchange-type", type = "string", direction = INCOMING_AND_OUTGOING,
        description = "The type of the `exchange`: `direct` (to the queues bound with the message's routing key), `fanout` (to every bound queue), `topic` (to the queues whose binding key matches the routing key: words separated by dots, `*` matching one word and `#` zero or more) or `headers` (to the queues whose binding headers match the message's). If the exchange already exists with another type, startup fails. When not set: the type the exchange was created with, or `topic` if it does not exist yet.")
@ConnectorAttribute(name = "topic", type = "string", direction = INCOMING_AND_OUTGOING,
        description = "Makes the channel a log channel (Kafka's model) instead of a queue channel: it appends to (outgoing) or reads from (incoming) this topic, which is created at startup if it does not exist. Same naming rules as queues.")
@ConnectorAttribute(name = "partitions", type = "int", direction = INCOMING_AND_OUTGOING, defaultValue = "1",
        description = "With `topic`: the number of partitions the topic is created with (as Kafka's `num.partitions`, 1 by default). Records with the same key go to the same partition and are read in order; the partitions of a topic are shared among the members of each consumer group, so this bounds how many consumers of a group work in parallel. If the topic exists with another partition count, startup fails: it cannot change without moving keys to other partitions.")
@ConnectorAttribute(name = "retention", type = "string", direction = INCOMING_AND_OUTGOING, defaultValue = "7d",
        description = "With `topic`: how long the topic keeps its records when it is created (as Kafka's `retention.ms`), a duration, or `forever`. Records are dropped a day's segment at a time, once the whole day is older than this.")
// Incoming
@ConnectorAttribute(name = "group.id", type = "string", direction = INCOMING,
        description = "With `topic`: the consumer group. Every group receives every record of the topic, and the members of a group (channels, `concurrency` copies and application instances with this group) share the topic's partitions. `quarkus.application.name` when not set, as in the Kafka extension.")
@ConnectorAttribute(name = "auto.offset.reset", type = "string", direction = INCOMING, defaultValue = "latest",
        description = "With `topic`: where a group that has no committed offset for a partition starts: `earliest` (the first record kept) or `latest` (the next record appended), as in Kafka.")
@ConnectorAttribute(name = "session-timeout", type = "string", direction = INCOMING, defaultValue = "10s",
        description = "With `topic`: a member of a consumer group that has not sent a heartbeat for this long is considered gone, and its partitions go to the other members. Members heartbeat every third of it. A duration.")
@ConnectorAttribute(name = "commit-strategy", type = "string", direction = INCOMING, defaultValue = "throttled",
        description = "With `topic`: when the offsets of acked records are committed. `throttled`: every `commit-interval`, for each partition, the offset before which every record was acked (acks may come out of order). `latest`: the same offset, after each ack. On revocation and shutdown the acked offsets are committed too.")
@ConnectorAttribute(name = "commit-interval", type = "string", direction = INCOMING, defaultValue = "1s",
        description = "With `topic` and `commit-strategy=throttled`: how often acked offsets are committed. A duration.")
@ConnectorAttribute(name = "max-poll-records", type = "int", direction = INCOMING, defaultValue = "500",
        description = "With `topic`: how many records the channel reads ahead of its handler (records handed over and not acked yet), as a Kafka consumer does; also the most one statement reads from a partition.")
@ConnectorAttribute(name = "seek", type = "string", direction = INCOMING,
        description = "With `topic`: moves the channel's group on the topic at startup, before it reads: to `earliest` (replay everything kept), `latest` (skip what was not read yet), an offset (on every partition), or an ISO-8601 instant (the first record appended at or after it, on each partition). It applies at every start of every instance: set it for one deployment, then remove it. `PostgresMessaging.seek` does the same at any time.")
@ConnectorAttribute(name = "key-type", type = "string", direction = INCOMING, defaultValue = "java.lang.String",
        description = "With `topic`: the type of record keys in `IncomingLogMetadata.getKey()` and `Record.key()`: `java.lang.String`, `byte[]`, `java.util.UUID`, `java.lang.Integer`, `java.lang.Long`, `java.lang.Short`, `java.lang.Double` or `java.lang.Float` (read as Kafka's serializers write them).")
@ConnectorAttribute(name = "visibility-timeout", type = "string", direction = INCOMING, defaultValue = "30s",
        description = "How long a delivered message stays invisible to other consumers unless the channel renews the lease. The channel renews it while the message is being processed (see `max-lease-duration`), so a message is delivered again when its consumer died, hung past `max-lease-duration`, or lost its connection for this long. A duration: `30s`, `500ms`, `5m` or ISO-8601 (`PT30S`).")
@ConnectorAttribute(name = "max-lease-duration", type = "string", direction = INCOMING, defaultValue = "1h",
        description = "How long a handler that runs long can keep its message: while it runs, the channel renews the lease (heartbeat) every third of the `visibility-timeout`, up to this long after the message was claimed. Past it the lease expires and the message is delivered again, as if the consumer had died. A duration.")
@ConnectorAttribute(name = "shutdown-timeout", type = "string", direction = INCOMING, defaultValue = "10s",
        description = "On shutdown the channel stops claiming and waits up to this long for the messages it delivered to be acked or nacked; then it gives the unfinished ones back to the queue at once, so that another instance gets them without waiting for their visibility timeout. A duration.")
@ConnectorAttribute(name = "claim-size", type = "int", direction = INCOMING, defaultValue = "100",
        description = "The maximum number of messages leased by one claim statement.")
@ConnectorAttribute(name = "prefetch", type = "int", direction = INCOMING, defaultValue = "256",
        description = "The maximum number of messages the channel holds leased and not yet acked or nacked: it leases up to this many ahead of its handler, and renews their leases while they wait (when `max-lease-duration` is longer than `visibility-timeout`, as by default; otherwise it leases only what the handler asks for). 1 when not set on an `ordered-by-key` channel.")
@ConnectorAttribute(name = "ordered-by-key", type = "boolean", direction = INCOMING, defaultValue = "false",
        description = "Per-key FIFO: messages with the same key (`OutgoingQueueMetadata.withKey`) are delivered one at a time, in the order they were sent, across every consumer and instance; messages with different keys are processed in parallel, and messages without a key as usual. A message being retried blocks the messages of its key until it succeeds or is dead-lettered. Set it on every channel that consumes the queue. Its `prefetch` defaults to 1: every message a channel holds keeps its key from the other consumers.")
@ConnectorAttribute(name = "ack-in-transaction", type = "boolean", direction = INCOMING, defaultValue = "true",
        description = "Exactly-once effects: when the handler begins a transaction (an `@Transactional` method), the message is acked in it, just before it commits (a queue message is deleted; a record's offset is committed for its group), so the handler's writes and the ack commit together or not at all; if the lease or the partition was lost meanwhile, the transaction rolls back. Turn it off if the handler's transaction writes to another datasource than the channel's (the ack would enlist a second resource in the transaction).")
@ConnectorAttribute(name = "batch", type = "boolean", direction = INCOMING, defaultValue = "false",
        description = "Deliver the messages of one claim (queue) or one read (topic: up to `max-poll-records` per partition) together, as one message whose payload is the list of their payloads, with `IncomingQueueBatchMetadata` or `IncomingLogBatchMetadata`. Set at build time when the `@Incoming` method takes `List<T>` or `Message<List<T>>`; `payload-type` is then the element type. Acking the batch acks every message in it. On a queue (at most `claim-size`, never more than `prefetch` leased), a nack applies the `failure-strategy` to each message on its own; on a topic, to the batch.")
@ConnectorAttribute(name = "local-delivery", type = "boolean", direction = INCOMING, defaultValue = "true",
        description = "Whether a message that a producer of this application sends straight to the queue (not through an exchange; no delay, `deliver-at` or deduplication id) is handed to this channel when the channel is idle: stored already leased to it, in the send's own statement, and emitted once that commits, without a claim. An idle channel is one whose last claim found the queue empty, with nothing announced since: a message does not overtake those that claim could see. Ordered-by-key and batch channels never take part. Turn it off to have every message claimed, spread across instances by their claims alone.")
@ConnectorAttribute(name = "ack-mode", type = "string", direction = INCOMING, defaultValue = "delete",
        description = "What an ack does with the message: `delete` it, or `archive` it: move it to the archive table, where it is kept for `quarkus.messaging.postgres.archive-retention` (in daily partitions, dropped whole when they are older).")
@ConnectorAttribute(name = "poll-interval", type = "string", direction = INCOMING, defaultValue = "2s",
        description = "How often an idle consumer looks for messages without being notified: the backstop for lost notifications and the delay before a message whose visibility timeout expired is redelivered to an idle consumer. A duration. The idle consumers of an application are looked for together, in one statement per round whatever the number of queues.")
@ConnectorAttribute(name = "failure-strategy", type = "string", direction = INCOMING,
        description = "What to do with a message whose processing failed (nacked, or its handler threw). Queue channels (default `dead-letter`): `dead-letter`: deliver it again after a backoff until it was delivered `max-attempts` times, then move it to the `dead-letter-queue`. `retry`: the same, but drop it (with an error log) after the last attempt. `ignore`: log and ack it. `fail`: give it back to the queue at once and stop the channel. Topic channels (default `fail`, as the Kafka connector): `fail` stops the channel, the record and those after it stay uncommitted; `ignore` logs the failure and commits past the record.")
@ConnectorAttribute(name = "max-attempts", type = "int", direction = INCOMING, defaultValue = "5",
        description = "With `retry` and `dead-letter`: how many times a message is delivered before it is given up on (1: no retry).")
@ConnectorAttribute(name = "retry-initial-delay", type = "string", direction = INCOMING, defaultValue = "1s",
        description = "With `retry` and `dead-letter`: the delay before the second delivery. It doubles with every attempt, up to `retry-max-delay`; each delay is drawn at random between half and all of it (jitter). A duration.")
@ConnectorAttribute(name = "retry-max-delay", type = "string", direction = INCOMING, defaultValue = "5m",
        description = "With `retry` and `dead-letter`: the longest delay between two deliveries. A duration.")
@ConnectorAttribute(name = "expiry-strategy", type = "string", direction = INCOMING, defaultValue = "dead-letter",
        description = "What happens to a message of the queue whose time to live ran out before a consumer took it: `dead-letter` moves it to the `dead-letter-queue` (reason `expired at …`), `drop` deletes it.")
@ConnectorAttribute(name = "dead-letter-queue", type = "string", direction = INCOMING,
        description = "The queue that receives the messages given up on by the `dead-letter` strategy, and those whose payload cannot be read as `payload-type` (whatever the strategy), with headers `dead-letter-reason`, `dead-letter-exception-class-name`, `dead-letter-queue` (where it came from) and `dead-letter-attempts`. `<queue>.dlq` when not set.")
@ConnectorAttribute(name = "routing-keys", type = "string", direction = INCOMING,
        description = "With `exchange` (direct or topic): the comma-separated binding keys of the channel's queue. When not set: `#` (every message) for a topic exchange, the queue name for a direct exchange. Bindings are added at startup and never removed by the connector.")
@ConnectorAttribute(name = "binding-headers", type = "string", direction = INCOMING,
        description = "With `exchange` of type headers: the headers the channel's queue is bound with, as comma-separated `name:value` pairs.")
@ConnectorAttribute(name = "x-match", type = "string", direction = INCOMING, defaultValue = "all",
        description = "With `exchange` of type headers: `all` when a message must carry every one of the `binding-headers` with the same value, `any` when one is enough.")
// Outgoing
@ConnectorAttribute(name = "max-batch-size", type = "int", direction = OUTGOING, defaultValue = "500",
        description = "The maximum number of pending messages appended by one statement.")
@ConnectorAttribute(name = "delivery-timeout", type = "string", direction = OUTGOING, defaultValue = "2m",
        description = "How long the channel keeps trying to write a message sent outside a transaction when the database fails (a lost connection, a restart, a failover, a serialization failure), counted from the send, before it fails the send, as Kafka's `delivery.timeout.ms`. A message is never written twice by these retries: when a commit got no answer, the channel asks the database whether it committed. A duration.")
@ConnectorAttribute(name = "routing-key", type = "string", direction = OUTGOING,
        description = "With `exchange`: the routing key of the channel's messages, unless their `OutgoingQueueMetadata` sets one. Empty when not set.")
@ConnectorAttribute(name = "unroutable", type = "string", direction = OUTGOING, defaultValue = "drop",
        description = "With `exchange`: what happens to a message that matches no binding. `drop`: it is not stored, the send succeeds, and the drop is counted (`PostgresMessaging.unroutableCount(channel)`) and logged. `fail`: it is not stored and the send fails with `UnroutableMessageException`. `alternate-queue`: it goes to the `alternate-queue`.")
@ConnectorAttribute(name = "alternate-queue", type = "string", direction = OUTGOING,
        description = "With `unroutable=alternate-queue`: the queue that receives the messages that match no binding of the `exchange`. `<exchange>.unroutable` when not set.")
@ConnectorAttribute(name = "deduplication-window", type = "string", direction = OUTGOING, defaultValue = "5m",
        description = "How long a deduplication id (`OutgoingQueueMetadata.withDeduplicationId`) keeps out later messages with the same id sent to the same queue (or exchange): they are dropped at insert and their send succeeds. Counted from the first message's send. A duration.")
@ConnectorAttribute(name = "time-to-live", type = "string", direction = OUTGOING,
        description = "Expires the channel's messages this long after they are sent, if no consumer has taken them by then (unless their `OutgoingQueueMetadata` sets a time to live). What happens to expired messages is the consumers' `expiry-strategy`. A duration; no expiry when not set.")
@ConnectorAttribute(name = "priority", type = "int", direction = OUTGOING, defaultValue = "0",
        description = "The priority of the channel's messages, unless their `OutgoingQueueMetadata` sets one. Consumers take higher priorities first, and messages of one priority in the order they were sent. From -32768 to 32767.")
@ConnectorAttribute(name = "delay", type = "string", direction = OUTGOING,
        description = "Delivers the channel's messages no sooner than this long after they are sent, unless their `OutgoingQueueMetadata` sets a delay or a delivery time. A duration. Delayed messages are found by the consumers' polling, so they arrive up to `poll-interval` after their time.")
public class PostgresConnector implements InboundConnector, OutboundConnector, HealthReporter {

    public static final String NAME = "postgres";

    @Inject
    PostgresMessagingConfig config;
    @Inject
    ExecutionHolder execution;
    @Inject
    Instance<TransactionManager> transactionManager;
    @Inject
    Instance<ObjectMapper> objectMapper;
    @Inject
    TransactionalOutbox outbox;
    @Inject
    TransactionSynchronizationRegistry transactionRegistry;
    @Inject
    Instance<OpenTelemetry> openTelemetry;
    @Inject
    MessagingMeters meters;

    private final Map<String, DataSourceResources> resources = new ConcurrentHashMap<>();
    /**
     * Every channel end of the application: incoming ones first, so that shutdown's first pass
     * stops every consumer claiming before the producers write what they hold.
     */
    private final List<ChannelEndpoint> endpoints = new CopyOnWriteArrayList<>();
    /** The same channel ends, in the order they opened, as an operator sees them. */
    private final List<ApplicationChannel> opened = new CopyOnWriteArrayList<>();
    private volatile PayloadCodec codec;
    /** Set when the shutdown begins: the channels are no longer ready. */
    private volatile boolean shuttingDown;

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config channelConfig) {
        PostgresConnectorIncomingConfiguration attributes = new PostgresConnectorIncomingConfiguration(channelConfig);
        ChannelSettings.Incoming channel = ChannelSettings.incoming(attributes);
        DataSourceResources ds = resources(channel.dataSource(), channel.channel(), "incoming");
        if (channel.log() != null) {
            LogConsumerSettings log = channel.log();
            Topic topic = ds.topic(log.topic(), log.partitions(), log.retention(), "incoming", channel.channel());
            if (log.seekOnStart() != null) {
                Map<Integer, Long> moved = ds.seek(log.groupId(), log.topic(), null, log.seekOnStart());
                LOG.seekOnStart(channel.channel(), log.groupId(), log.topic(), log.seekOnStart(), moved);
            }
            LogSource source = new LogSource(log, topic, ds.dataSource(), ds.logs(), codec(),
                    log.listen() ? ds.wakeups() : null, execution.vertx().getDelegate());
            source.traceWith(MessageTracing.forConsumer(openTelemetry, attributes.getTracingEnabled()));
            meters.attach(channel.channel(), channel.dataSource(), true, false, metricsEnabled(), source::meterWith);
            endpoints.add(0, source);
            opened(source, attributes, INCOMING, "topic", channel.dataSource(),
                    ChannelAttributes.derived("topic", log.topic(), "group.id", log.groupId()));
            return source.stream();
        }
        ds.consumes(channel.queue().queue(), channel.queue().deadLetterQueue());
        if (channel.queue().archive()) {
            ds.archiveAcked(config.archiveRetention());
        }
        if (channel.binding() != null) {
            ExchangeType type = declareExchange(ds, channel.binding().exchange(), channel.exchangeType(), "incoming",
                    channel.channel());
            ds.bind(channel.binding(), type);
        }
        QueueSource source = new QueueSource(channel.queue(), ds.dataSource(), ds.queues(), codec(),
                channel.queue().listen() ? ds.wakeups() : null, ds.poller(), execution.vertx().getDelegate(),
                ds.localDeliveries());
        source.traceWith(MessageTracing.forConsumer(openTelemetry, attributes.getTracingEnabled()));
        meters.attach(channel.channel(), channel.dataSource(), true, true, metricsEnabled(), source::meterWith);
        endpoints.add(0, source);
        opened(source, attributes, INCOMING, "queue", channel.dataSource(),
                ChannelAttributes.derived("queue", channel.queue().queue(), "dead-letter-queue",
                        channel.queue().deadLetterQueue(), "prefetch", String.valueOf(channel.queue().prefetch())));
        return source.stream();
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config channelConfig) {
        PostgresConnectorOutgoingConfiguration attributes = new PostgresConnectorOutgoingConfiguration(channelConfig);
        ChannelSettings.Outgoing channel = ChannelSettings.outgoing(attributes);
        DataSourceResources ds = resources(channel.dataSource(), channel.channel(), "outgoing");
        if (channel.log() != null) {
            ChannelSettings.LogProducerSettings log = channel.log();
            Topic topic = ds.topic(log.topic(), log.partitions(), log.retention(), "outgoing", channel.channel());
            LogSink sink = new LogSink(channel.channel(), log.maxBatchSize(), log.deliveryTimeout(), topic,
                    ds.dataSource(), ds.logs(), codec(),
                    transactionManager.isResolvable() ? transactionManager.get() : null,
                    log.notifyConsumers() ? ds.queues().notifyChannel() : null, ds.localWakeups(),
                    ds.transactionAppends());
            sink.traceWith(MessageTracing.forProducer(openTelemetry, attributes.getTracingEnabled()));
            meters.attach(channel.channel(), channel.dataSource(), false, false, metricsEnabled(), sink::meterWith);
            endpoints.add(sink);
            opened(sink, attributes, OUTGOING, "topic", channel.dataSource(),
                    ChannelAttributes.derived("topic", log.topic()));
            outbox.register(sink);
            return sink;
        }
        ExchangeRoute route = channel.queue().exchange();
        if (route == null) {
            ds.registerQueue(channel.queue().queue());
        } else {
            declareExchange(ds, route.exchange(), channel.exchangeType(), "outgoing", channel.channel());
            if (route.alternateQueue() != null) {
                ds.registerQueue(route.alternateQueue());
            }
        }
        TransactionManager tm = transactionManager.isResolvable() ? transactionManager.get() : null;
        QueueSink sink = new QueueSink(channel.queue(), ds.dataSource(), ds.queues(), ds.exchanges(), codec(), tm,
                ds.localWakeups(), ds.localDeliveries());
        sink.traceWith(MessageTracing.forProducer(openTelemetry, attributes.getTracingEnabled()));
        meters.attach(channel.channel(), channel.dataSource(), false, true, metricsEnabled(), sink::meterWith);
        endpoints.add(sink);
        opened(sink, attributes, OUTGOING, "queue", channel.dataSource(),
                ChannelAttributes.derived("queue", route == null ? channel.queue().queue() : null));
        outbox.register(sink);
        return sink;
    }

    private void opened(ChannelEndpoint endpoint, PostgresConnectorCommonConfiguration attributes,
            ConnectorAttribute.Direction direction, String model, String dataSource, Map<String, String> derived) {
        opened.add(new ApplicationChannel(endpoint, direction == INCOMING ? "incoming" : "outgoing", model, dataSource,
                ChannelAttributes.resolved(attributes.config(), direction, model.equals("topic"), derived),
                attributes.getHealthEnabled(), attributes.getHealthEnabled() && attributes.getHealthReadinessEnabled()));
    }

    /** The channel ends of the application, in the order they opened. */
    List<ApplicationChannel> openedChannels() {
        return opened;
    }

    private static ExchangeType declareExchange(DataSourceResources ds, String exchange, ExchangeType declared,
            String direction, String channel) {
        ExchangeType existing = ds.declareExchange(exchange, declared);
        if (declared != null && existing != declared) {
            throw ChannelSettings.exchangeTypeConflict(direction, channel, declared, exchange, existing);
        }
        return existing;
    }

    /** The resources of a datasource that a channel uses, or {@code null} when none does. */
    DataSourceResources openedResources(String dataSourceName) {
        return resources.get(dataSourceName);
    }

    /**
     * The incoming channel of that name, with its copies when it has a {@code concurrency} (SmallRye
     * names them {@code <channel>$1}, {@code <channel>$2}...); empty when there is none.
     */
    List<ConsumerChannel> incomingChannels(String channel) {
        return endpoints.stream().filter(ConsumerChannel.class::isInstance).map(ConsumerChannel.class::cast)
                .filter(c -> c.channel().equals(channel) || c.channel().startsWith(channel + "$")).toList();
    }

    /** The queue producers of the application. */
    List<QueueSink> queueSinks() {
        return endpoints.stream().filter(QueueSink.class::isInstance).map(QueueSink.class::cast).toList();
    }

    private DataSourceResources resources(String dataSourceName, String channel, String direction) {
        return resources.computeIfAbsent(dataSourceName, name -> {
            DataSourceResources opened = DataSourceResources.open(name, config, channel, direction, transactionRegistry,
                    codec());
            ConfiguredExchanges.declare(opened, config.exchanges());
            int exactCountLimit = config.metrics().exactCountLimit();
            if (exactCountLimit < 1) {
                throw new IllegalArgumentException("quarkus.messaging.postgres.metrics.exact-count-limit="
                        + exactCountLimit + ": it must be at least 1");
            }
            meters.watch(name, config.metrics().refreshInterval(), () -> opened.storageSnapshot(exactCountLimit),
                    metricsEnabled());
            return opened;
        });
    }

    private boolean metricsEnabled() {
        return config.metrics().enabled();
    }

    private PayloadCodec codec() {
        if (codec == null) {
            codec = new PayloadCodec(objectMapper.isResolvable() ? objectMapper.get() : new ObjectMapper());
        }
        return codec;
    }

    @Override
    public HealthReport getReadiness() {
        return ChannelHealthReports.readiness(opened, shuttingDown);
    }

    @Override
    public HealthReport getLiveness() {
        return ChannelHealthReports.liveness(opened, shuttingDown);
    }

    @Override
    public HealthReport getStartup() {
        return ChannelHealthReports.startup(opened);
    }

    /**
     * Graceful shutdown, before the application scope (and with it the datasources) goes away:
     * consumers stop claiming; producers write what they still hold (acking the messages that
     * produced them); consumers wait up to their shutdown-timeout for their messages to be acked
     * or nacked, then give the unfinished ones back to the queue; then the connections go.
     */
    void terminate(@Observes(notifyObserver = Reception.IF_EXISTS) @Priority(50) @BeforeDestroyed(ApplicationScoped.class) Object event) {
        shutdown();
    }

    @PreDestroy
    void shutdown() {
        shuttingDown = true;
        endpoints.forEach(ChannelEndpoint::stopTakingWork);
        long stopping = System.nanoTime();
        endpoints.forEach(endpoint -> endpoint.awaitSettled(stopping));
        endpoints.forEach(ChannelEndpoint::stop);
        resources.values().forEach(DataSourceResources::close);
    }
}
