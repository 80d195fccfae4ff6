package dev.pgmessaging.runtime;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.spi.Connector;

import dev.pgmessaging.runtime.api.PartitionLag;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.queue.QueueSink;

/** The {@link PostgresMessaging} bean: operations over the datasources and channels of the connector. */
@ApplicationScoped
public class Administration implements PostgresMessaging {

    @Inject
    @Connector(PostgresConnector.NAME)
    PostgresConnector connector;

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

    private DataSourceResources resources(String dataSource) {
        DataSourceResources resources = connector.openedResources(dataSource);
        if (resources == null) {
            throw new IllegalArgumentException("No postgres channel uses datasource " + dataSource);
        }
        return resources;
    }
}
