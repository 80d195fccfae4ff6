package dev.pgmessaging.fault;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.api.Record;
import io.agroal.api.AgroalDataSource;

/**
 * The consumers: every message of the queue and every record of the topic leaves one row in
 * {@code fault_effect}, written in the transaction that acks it. The table has no unique key, so
 * that an effect applied twice shows. Plain JDBC, declared {@code throws SQLException}: the shape
 * whose checked exceptions once committed the ack without the effect. Some jobs fail until they are
 * redriven from the dead-letter queue ({@link Redriver}).
 */
@ApplicationScoped
public class Effects {

    @Inject
    AgroalDataSource dataSource;
    @ConfigProperty(name = "fault.process")
    String process;

    @Incoming("jobs")
    @Transactional
    void job(String id, IncomingQueueMetadata metadata) throws SQLException {
        if (poison(id) && !metadata.headers().containsKey("redrive-count")) {
            // dead-lettered after its attempts, handled once a Redriver sent it back
            throw new IllegalStateException("job " + id + " fails until it is redriven");
        }
        write(id, "queue", null, null);
    }

    /** The first message of every tenth transaction (Checks counts them with the same rule). */
    static boolean poison(String id) {
        return id.endsWith("7-q0");
    }

    @Incoming("events")
    @Transactional
    void event(Record<String, String> event, IncomingLogMetadata<String> metadata) throws SQLException {
        write(event.value(), "topic", metadata.getPartition(), metadata.getOffset());
    }

    private void write(String id, String kind, Integer partition, Long offset) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO fault_effect (id, kind, process, partition, \"offset\") VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, kind);
            insert.setString(3, process);
            insert.setObject(4, partition);
            insert.setObject(5, offset);
            insert.executeUpdate();
        }
    }
}
