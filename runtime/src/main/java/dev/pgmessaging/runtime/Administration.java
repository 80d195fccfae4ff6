package dev.pgmessaging.runtime;

import static dev.pgmessaging.runtime.logging.PostgresExceptions.EX;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.spi.Connector;

import dev.pgmessaging.runtime.api.Binding;
import dev.pgmessaging.runtime.api.ChannelInfo;
import dev.pgmessaging.runtime.api.ConsumerGroupInfo;
import dev.pgmessaging.runtime.api.ExchangeInfo;
import dev.pgmessaging.runtime.api.MessageSelection;
import dev.pgmessaging.runtime.api.PartitionLag;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.QueueInfo;
import dev.pgmessaging.runtime.api.QueuedMessage;
import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.api.TopicInfo;
import dev.pgmessaging.runtime.channel.ConsumerChannel;
import dev.pgmessaging.runtime.queue.QueueSink;

/** The {@link PostgresMessaging} bean: operations over the datasources and channels of the connector. */
@ApplicationScoped
public class Administration implements PostgresMessaging {

    @Inject
    @Connector(PostgresConnector.NAME)
    PostgresConnector connector;

    /** An operation on the database of a datasource. */
    @FunctionalInterface
    private interface Operation<T> {
        T run(DataSourceResources resources) throws SQLException;
    }

    @Override
    public List<PartitionLag> lag(String dataSource, String group, String topic) {
        return resources(dataSource).lag(group, topic);
    }

    @Override
    public Map<Integer, Long> seek(String dataSource, String group, String topic, Integer partition, SeekTo to) {
        return resources(dataSource).seek(group, topic, partition, to);
    }

    @Override
    public long unroutableCount(String channel) {
        return connector.queueSinks().stream().filter(sink -> sink.channel().equals(channel))
                .mapToLong(QueueSink::unroutableCount).sum();
    }

    @Override
    public List<ChannelInfo> channels() {
        return connector.openedChannels().stream().map(ApplicationChannel::info).toList();
    }

    @Override
    public void pause(String channel) {
        incoming(channel).forEach(ConsumerChannel::pause);
    }

    @Override
    public void resume(String channel) {
        incoming(channel).forEach(ConsumerChannel::resume);
    }

    @Override
    public boolean isPaused(String channel) {
        return incoming(channel).stream().allMatch(ConsumerChannel::isPaused);
    }

    private List<ConsumerChannel> incoming(String channel) {
        List<ConsumerChannel> channels = connector.incomingChannels(channel);
        if (channels.isEmpty()) {
            throw EX.unknownChannel(channel);
        }
        return channels;
    }

    @Override
    public List<QueueInfo> queues(String dataSource) {
        return run(dataSource, "list the queues",
                ds -> ds.queueOperations().queues(ds.dataSource(), ds::deadLetterQueue));
    }

    @Override
    public List<QueuedMessage> peek(String dataSource, String queue, long afterId, int limit, int payloadBytes) {
        return run(dataSource, "peek at queue '" + queue + "'",
                ds -> ds.queueOperations().peek(ds.dataSource(), queue, afterId, limit, payloadBytes));
    }

    @Override
    public Map<String, Integer> redrive(String dataSource, String deadLetterQueue, MessageSelection selection) {
        return run(dataSource, "redrive dead-letter queue '" + deadLetterQueue + "'",
                ds -> ds.queueOperations().redrive(ds.dataSource(), deadLetterQueue, selection));
    }

    @Override
    public int move(String dataSource, String from, String to, MessageSelection selection) {
        return run(dataSource, "move messages from queue '" + from + "' to '" + to + "'",
                ds -> ds.queueOperations().move(ds.dataSource(), from, to, selection));
    }

    @Override
    public int delete(String dataSource, String queue, MessageSelection selection) {
        return run(dataSource, "delete messages of queue '" + queue + "'",
                ds -> ds.queueOperations().delete(ds.dataSource(), queue, selection));
    }

    @Override
    public List<ExchangeInfo> exchanges(String dataSource) {
        return run(dataSource, "list the exchanges", ds -> ds.exchangeOperations().exchanges(ds.dataSource()));
    }

    @Override
    public void bind(String dataSource, Binding binding) {
        run(dataSource, "bind queue '" + binding.queue() + "' to exchange '" + binding.exchange() + "'", ds -> {
            ds.exchangeOperations().bind(ds.dataSource(), binding);
            return null;
        });
    }

    @Override
    public boolean unbind(String dataSource, Binding binding) {
        return run(dataSource, "unbind queue '" + binding.queue() + "' from exchange '" + binding.exchange() + "'",
                ds -> ds.exchangeOperations().unbind(ds.dataSource(), binding));
    }

    @Override
    public List<TopicInfo> topics(String dataSource) {
        return run(dataSource, "list the topics", ds -> ds.topicOperations().topics(ds.dataSource()));
    }

    @Override
    public ConsumerGroupInfo group(String dataSource, String group, String topic) {
        ConsumerGroupInfo info = run(dataSource, "read group '" + group + "' on topic '" + topic + "'",
                ds -> ds.topicOperations().group(ds.dataSource(), group, topic));
        if (info == null) {
            throw EX.unknownTopic(topic);
        }
        return info;
    }

    @Override
    public void deleteGroup(String dataSource, String group, String topic) {
        int deleted = run(dataSource, "delete group '" + group + "' on topic '" + topic + "'",
                ds -> ds.topicOperations().deleteGroup(ds.dataSource(), group, topic));
        if (deleted < 0) {
            throw EX.unknownTopic(topic);
        }
    }

    @Override
    public void setRetention(String dataSource, String topic, Duration retention) {
        boolean found = run(dataSource, "change the retention of topic '" + topic + "'",
                ds -> ds.topicOperations().setRetention(ds.dataSource(), topic, retention));
        if (!found) {
            throw EX.unknownTopic(topic);
        }
    }

    private <T> T run(String dataSource, String what, Operation<T> operation) {
        DataSourceResources resources = resources(dataSource);
        try {
            return operation.run(resources);
        } catch (SQLException e) {
            throw EX.operationFailed(what, dataSource, e.getMessage(), e);
        }
    }

    private DataSourceResources resources(String dataSource) {
        DataSourceResources resources = connector.openedResources(dataSource);
        if (resources == null) {
            throw EX.unknownDataSource(dataSource);
        }
        return resources;
    }
}
