package dev.pgmessaging.runtime;

import static dev.pgmessaging.runtime.logging.PostgresExceptions.EX;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.transaction.TransactionSynchronizationRegistry;

import io.agroal.api.AgroalDataSource;

import dev.pgmessaging.runtime.logging.ConfigurationProblems;
import dev.pgmessaging.runtime.api.PartitionLag;
import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.api.Binding;
import dev.pgmessaging.runtime.exchange.BindingRequest;
import dev.pgmessaging.runtime.exchange.ExchangeOperations;
import dev.pgmessaging.runtime.exchange.ExchangeStore;
import dev.pgmessaging.runtime.exchange.ExchangeType;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.TopicOperations;
import dev.pgmessaging.runtime.log.TransactionAppends;
import dev.pgmessaging.runtime.metrics.StorageSnapshot;
import dev.pgmessaging.runtime.notify.Wakeups;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.IdleQueuePoller;
import dev.pgmessaging.runtime.queue.LocalDeliveries;
import dev.pgmessaging.runtime.queue.QueueOperations;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.quarkus.agroal.runtime.AgroalDataSourceUtil;
import io.quarkus.datasource.common.runtime.DataSourceUtil;

/**
 * What the connector keeps per datasource: the pool, the queue and exchange statements of the
 * schema, the notification listener, the idle queue poller and the storage sweeper, shared by
 * every channel using that datasource. Opening it brings the schema up to date first.
 */
final class DataSourceResources {

    private final String name;
    private final AgroalDataSource dataSource;
    private final QueueStore queues;
    private final ExchangeStore exchanges;
    private final LogStore logs;
    private final StorageSweeper sweeper;
    /** Whether channels create their topics (schema-management=create) or only find them. */
    private final boolean createsTopics;
    /** Created at once (the producers wake local consumers through it), listening once a consumer needs it. */
    private final Wakeups wakeups;
    private final LocalDeliveries localDeliveries = new LocalDeliveries();
    private final TransactionAppends transactionAppends;
    private final QueueOperations queueOperations;
    private final TopicOperations topicOperations;
    private final ExchangeOperations exchangeOperations;
    /** The dead-letter queue of each queue this application's channels consume. */
    private final Map<String, String> deadLetterQueues = new ConcurrentHashMap<>();
    private IdleQueuePoller poller;

    private DataSourceResources(String name, AgroalDataSource dataSource, String schema, boolean createsTopics,
            TransactionSynchronizationRegistry transactions, PayloadCodec codec) {
        this.name = name;
        this.createsTopics = createsTopics;
        this.dataSource = dataSource;
        this.queues = new QueueStore(schema);
        this.exchanges = new ExchangeStore(schema);
        this.logs = new LogStore(schema);
        this.sweeper = new StorageSweeper(dataSource, exchanges, queues, logs, name);
        this.wakeups = new Wakeups(dataSource, queues.notifyChannel(), name);
        this.transactionAppends = new TransactionAppends(transactions, dataSource, logs);
        this.queueOperations = new QueueOperations(schema, codec);
        this.topicOperations = new TopicOperations(schema, logs);
        this.exchangeOperations = new ExchangeOperations(schema, exchanges, codec);
    }

    static DataSourceResources open(String name, PostgresMessagingConfig config, String channel, String direction,
            TransactionSynchronizationRegistry transactions, PayloadCodec codec) {
        AgroalDataSource dataSource = AgroalDataSourceUtil.dataSourceIfActive(name)
                .orElseThrow(() -> ConfigurationProblems.of(direction, channel, "datasource", name,
                        "there is no active datasource named '" + name + "' (configure quarkus.datasource"
                                + (DataSourceUtil.isDefault(name) ? "" : ".\"" + name + "\"") + ".* with db-kind=postgresql)"));
        new SchemaManager(config.schema()).apply(dataSource, config.schemaManagement());
        return new DataSourceResources(name, dataSource, config.schema(),
                config.schemaManagement() == PostgresMessagingConfig.SchemaManagement.CREATE, transactions, codec);
    }

    String name() {
        return name;
    }

    AgroalDataSource dataSource() {
        return dataSource;
    }

    QueueOperations queueOperations() {
        return queueOperations;
    }

    TopicOperations topicOperations() {
        return topicOperations;
    }

    ExchangeOperations exchangeOperations() {
        return exchangeOperations;
    }

    /** Every queue and topic partition with what the gauges show of them: two statements. */
    StorageSnapshot storageSnapshot(int exactCountLimit) throws SQLException {
        return new StorageSnapshot(queueOperations.queues(dataSource, this::deadLetterQueue, exactCountLimit),
                topicOperations.partitionOffsets(dataSource));
    }

    /** Where the dead letters of a queue a channel of this application consumes go, or {@code null}. */
    String deadLetterQueue(String queue) {
        return deadLetterQueues.get(queue);
    }

    /** A channel consumes the queue and sends its dead letters to {@code deadLetterQueue}. */
    void consumes(String queue, String deadLetterQueue) {
        registerQueue(queue);
        registerQueue(deadLetterQueue);
        deadLetterQueues.put(queue, deadLetterQueue);
    }

    QueueStore queues() {
        return queues;
    }

    ExchangeStore exchanges() {
        return exchanges;
    }

    LogStore logs() {
        return logs;
    }

    /** See {@link dev.pgmessaging.runtime.api.PostgresMessaging#lag}. */
    List<PartitionLag> lag(String group, String topic) {
        try {
            return logs.lag(dataSource, group, topic);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the lag of group " + group + " on topic " + topic + ": "
                    + e.getMessage(), e);
        }
    }

    /** See {@link dev.pgmessaging.runtime.api.PostgresMessaging#seek}. */
    Map<Integer, Long> seek(String group, String topic, Integer partition, SeekTo to) {
        Map<Integer, Long> moved;
        try {
            moved = logs.seek(dataSource, group, topic, partition, to);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not move group " + group + " on topic " + topic + " to " + to + ": "
                    + e.getMessage(), e);
        }
        if (moved.isEmpty()) {
            throw partition == null ? EX.unknownTopic(topic) : EX.unknownPartition(topic, partition);
        }
        return moved;
    }

    /**
     * Creates the topic unless it exists, and checks that it has the partition count the channel
     * expects: changing it would send keys to other partitions than their earlier records.
     */
    synchronized Topic topic(String name, int partitions, java.time.Duration retention, String direction,
            String channel) {
        Topic topic;
        try {
            if (createsTopics) {
                topic = logs.createTopic(dataSource, name, partitions, retention);
            } else {
                topic = logs.findTopic(dataSource, name);
                if (topic == null) {
                    throw ConfigurationProblems.of(direction, channel, "topic", name, "there is no such topic, and"
                            + " schema-management is not create, so the connector does not create it: create it with"
                            + " SELECT <schema>.create_topic('" + name + "', " + partitions + ", "
                            + (retention == null ? "NULL" : "interval '" + retention + "'") + ")");
                }
            }
            sweeper.maintainLogSegments();
        } catch (SQLException e) {
            throw EX.setUpFailed("create topic '" + name + "'", this.name, e.getMessage(), e);
        }
        if (topic.partitions() != partitions) {
            throw ConfigurationProblems.of(direction, channel, "partitions", partitions, "topic '" + name + "' exists with "
                    + topic.partitions() + " partitions, and the count of an existing topic cannot change (records with"
                    + " the same key would land in other partitions than before); set partitions=" + topic.partitions()
                    + " or use a new topic");
        }
        return topic;
    }

    /** Creates the exchange unless it exists; returns its type, which may differ from {@code type} if it existed. */
    ExchangeType declareExchange(String exchange, ExchangeType type) {
        try {
            return exchanges.declare(dataSource, exchange, type);
        } catch (SQLException e) {
            throw EX.setUpFailed("declare exchange '" + exchange + "'", name, e.getMessage(), e);
        }
    }

    /** Adds the bindings the request stands for with an exchange of this type, and registers the queue. */
    void bind(BindingRequest request, ExchangeType type) {
        try {
            for (Binding binding : request.bindings(type)) {
                exchanges.bind(dataSource, binding);
            }
        } catch (SQLException e) {
            throw EX.setUpFailed("bind queue '" + request.queue() + "' to exchange '"
                    + request.exchange() + "'", name, e.getMessage(), e);
        }
    }

    /** Keeps the archive's partitions (a channel archives acked messages), starting now. */
    synchronized void archiveAcked(java.time.Duration retention) {
        try {
            sweeper.maintainArchive(retention);
        } catch (SQLException e) {
            throw EX.setUpFailed("create the archive partitions", name, e.getMessage(), e);
        }
    }

    void registerQueue(String queue) {
        try {
            queues.registerQueue(dataSource, queue);
        } catch (SQLException e) {
            throw EX.setUpFailed("register queue '" + queue + "'", name, e.getMessage(), e);
        }
    }

    /** The notification listener, listening from now on. */
    Wakeups wakeups() {
        wakeups.start();
        return wakeups;
    }

    /** The notification listener, for the producers to wake this application's consumers (listening or not). */
    Wakeups localWakeups() {
        return wakeups;
    }

    /** Where the topic channels hold the records sent in a transaction until it ends. */
    TransactionAppends transactionAppends() {
        return transactionAppends;
    }

    /** Where the producers find this application's idle consumers of a queue. */
    LocalDeliveries localDeliveries() {
        return localDeliveries;
    }

    synchronized IdleQueuePoller poller() {
        if (poller == null) {
            poller = new IdleQueuePoller(dataSource, queues, name);
            poller.start();
        }
        return poller;
    }

    synchronized void close() {
        sweeper.close();
        if (poller != null) {
            poller.close();
        }
        wakeups.close();
    }
}
