package dev.pgmessaging.deployment.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.queue.QueueStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * ack-mode=archive: acked messages move to the archive, and the archive is cleaned by dropping
 * whole day partitions past the retention, never by DELETE.
 */
class ArchiveTest {

    static final String SCHEMA = "archive_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Consumer.class, Rows.class, TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.messaging.postgres.archive-retention", "2d")
            .overrideConfigKey("mp.messaging.incoming.audited.ack-mode", "archive");

    @Inject
    AgroalDataSource dataSource;

    @Test
    void ackedMessagesAreArchivedAndOldPartitionsDropped() throws Exception {
        QueueStore store = new QueueStore(SCHEMA);
        TestQueues.send(store, dataSource, "audited", "a", "b", "c");
        await().atMost(Duration.ofSeconds(20)).until(() -> archived("audited") == 3);
        assertEquals(0, Rows.count(dataSource, SCHEMA, "audited"));
        assertEquals(1, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA
                + ".queue_archive WHERE queue = 'audited' AND convert_from(payload, 'UTF8') = ? AND attempts = 1", "b"));

        // a day of history from five days ago, beyond the two-day retention
        try (Connection connection = dataSource.getConnection();
                PreparedStatement old = connection.prepareStatement("SELECT " + SCHEMA
                        + ".maintain_archive(interval '100 days', 0, now() - interval '5 days')")) {
            old.execute();
            connection.createStatement().execute("INSERT INTO " + SCHEMA + ".queue_archive (id, queue, priority, attempts,"
                    + " enqueued_at, acked_at) VALUES (1, 'audited', 0, 1, now() - interval '5 days', now() - interval '5 days')");
        }
        assertEquals(4, archived("audited"));
        long partitionsBefore = partitions();

        assertEquals(1, store.maintainArchive(dataSource, Duration.ofDays(2)), "the old day's partition is dropped");
        assertEquals(3, archived("audited"), "today's archive stays");
        assertEquals(partitionsBefore - 1, partitions());
        assertEquals(0, Rows.queryLong(dataSource, "SELECT coalesce(sum(n_tup_del), 0) FROM pg_stat_user_tables"
                + " WHERE schemaname = ? AND relname LIKE 'queue_archive%'", SCHEMA), "no row was deleted from the archive");
    }

    private long archived(String queue) {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".queue_archive WHERE queue = ?", queue);
    }

    private long partitions() {
        return Rows.queryLong(dataSource, "SELECT count(*) FROM pg_inherits WHERE inhparent = ?::regclass",
                SCHEMA + ".queue_archive");
    }

    @ApplicationScoped
    static class Consumer {
        @Incoming("audited")
        void consume(String message) {
        }
    }
}
