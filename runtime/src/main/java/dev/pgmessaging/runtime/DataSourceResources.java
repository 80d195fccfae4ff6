package dev.pgmessaging.runtime;

import java.sql.SQLException;

import io.agroal.api.AgroalDataSource;

import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.queue.QueueWakeups;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.quarkus.agroal.runtime.AgroalDataSourceUtil;
import io.quarkus.datasource.common.runtime.DataSourceUtil;

/**
 * What the connector keeps per datasource: the pool, the queue statements of the schema and the
 * notification listener, shared by every channel using that datasource. Opening it brings the
 * schema up to date first.
 */
final class DataSourceResources {

    private final String name;
    private final AgroalDataSource dataSource;
    private final QueueStore queues;
    private QueueWakeups wakeups;

    private DataSourceResources(String name, AgroalDataSource dataSource, QueueStore queues) {
        this.name = name;
        this.dataSource = dataSource;
        this.queues = queues;
    }

    static DataSourceResources open(String name, PostgresMessagingConfig config, String channel, String direction) {
        AgroalDataSource dataSource = AgroalDataSourceUtil.dataSourceIfActive(name)
                .orElseThrow(() -> new IllegalArgumentException("Invalid channel configuration: mp.messaging." + direction
                        + "." + channel + ".datasource: there is no active datasource named '" + name
                        + "' (configure quarkus.datasource" + (DataSourceUtil.isDefault(name) ? "" : ".\"" + name + "\"")
                        + ".* with db-kind=postgresql)"));
        new SchemaManager(config.schema()).apply(dataSource, config.schemaManagement());
        return new DataSourceResources(name, dataSource, new QueueStore(config.schema()));
    }

    AgroalDataSource dataSource() {
        return dataSource;
    }

    QueueStore queues() {
        return queues;
    }

    void registerQueue(String queue) {
        try {
            queues.registerQueue(dataSource, queue);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not register queue '" + queue + "' in datasource " + name + ": "
                    + e.getMessage(), e);
        }
    }

    synchronized QueueWakeups wakeups() {
        if (wakeups == null) {
            wakeups = new QueueWakeups(dataSource, queues.notifyChannel(), name);
            wakeups.start();
        }
        return wakeups;
    }

    synchronized void close() {
        if (wakeups != null) {
            wakeups.close();
        }
    }
}
