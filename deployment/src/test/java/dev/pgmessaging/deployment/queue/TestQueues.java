package dev.pgmessaging.deployment.queue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.schema.SchemaManager;
import dev.pgmessaging.runtime.sql.NewMessage;

/** Sets up a migrated schema and its queue statements for tests that work below the channels. */
public final class TestQueues {

    private TestQueues() {
    }

    public static QueueStore migrated(DataSource dataSource, String schema) {
        new SchemaManager(schema).migrate(dataSource);
        return new QueueStore(schema);
    }

    /** Sends text messages to the queue, in one statement, without NOTIFY. */
    public static void send(QueueStore store, DataSource dataSource, String queue, String... payloads) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            store.send(connection, Arrays.stream(payloads)
                    .map(p -> new NewMessage(queue, null, "text/plain", null, p.getBytes(StandardCharsets.UTF_8)))
                    .toList(), Duration.ofMinutes(5), false);
        }
    }
}
