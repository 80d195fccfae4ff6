package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.OwnedPartition;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Retention drops whole day segments, never deletes a row; the log start offset moves past the
 * dropped records, a group behind it resumes there, and offsets go on from where they were even
 * when every record of a partition was dropped.
 */
class LogRetentionTest {

    static final String SCHEMA = "log_retention_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    @Inject
    AgroalDataSource dataSource;

    @Test
    void oldSegmentsAreDroppedWhole() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.createTopic(dataSource, "events", 2, Duration.ofDays(2));
        // ten records of partition 0 (two batches of five) and five of partition 1 (one batch)
        // appended five days ago, in that day's segment
        Rows.execute(dataSource, "SELECT " + SCHEMA + ".maintain_log_segments(0, now() - interval '5 days')");
        Rows.execute(dataSource, "INSERT INTO " + SCHEMA + ".log_batch (topic_id, partition, first_offset, last_offset, appended_at,"
                + " timestamps, payloads) SELECT " + topic.id() + ", p, o, o + 4, now() - interval '5 days',"
                + " array_fill(NULL::timestamptz, ARRAY[5]), array_fill('old'::bytea, ARRAY[5])"
                + " FROM generate_series(0, 1) AS p, generate_series(0, 5, 5) AS o WHERE p = 0 OR o = 0");
        assertArrayEquals(new long[] { 10, 11, 12 }, append(store, topic, 0, 3), "today's records follow on");
        List<OwnedPartition> owned = store.heartbeat(dataSource, "late", topic, "member-1", Duration.ofSeconds(10),
                true, false, new int[0]);
        assertEquals(0, owned.get(0).committedOffset(), "the group starts at the earliest record");

        assertEquals(1, store.maintainSegments(dataSource), "the segment of five days ago is dropped, today's stays");
        assertEquals(0, Rows.queryLong(dataSource, "SELECT coalesce(sum(n_tup_del), 0) FROM pg_stat_user_tables WHERE schemaname = '"
                + SCHEMA + "' AND relname LIKE 'log_batch%'"), "no row was deleted from the log");
        assertEquals(10, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".log_start_offset(" + topic.id() + ", 0)"));
        // partition 1 kept nothing: it is empty, and its offsets go on from 5
        assertEquals(5, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".log_start_offset(" + topic.id() + ", 1)"));
        assertArrayEquals(new long[] { 5, 6 }, append(store, topic, 1, 2));

        owned = store.heartbeat(dataSource, "late", topic, "member-1", Duration.ofSeconds(10), true, false, new int[0]);
        assertEquals(10, owned.get(0).logStartOffset(), "the group learns where partition 0 starts now");
    }

    private long[] append(LogStore store, Topic topic, int partition, int count) throws SQLException {
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new NewRecord(partition, null, "text/plain", null, "new".getBytes(StandardCharsets.UTF_8), null));
        }
        try (Connection connection = dataSource.getConnection()) {
            return store.append(connection, topic, records, null, null);
        }
    }


}
