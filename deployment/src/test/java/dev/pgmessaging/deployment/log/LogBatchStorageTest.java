package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.StoredRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * An append stores its records as one batch per partition (one row, arrays of the records' fields):
 * they are read back one by one with their offsets, keys, headers and timestamps, also from the
 * middle of a batch, and log_batch_records lists a batch's records for SQL readers.
 */
class LogBatchStorageTest {

    static final String SCHEMA = "log_batch_storage_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.messaging.postgres.schema-management", "none");

    @Inject
    AgroalDataSource dataSource;

    @Test
    void anAppendStoresOneBatchPerPartition() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.createTopic(dataSource, "events", 2, null);
        try (Connection connection = dataSource.getConnection()) {
            store.append(connection, topic, List.of(new NewRecord(0, "k1".getBytes(StandardCharsets.UTF_8), "text/plain",
                    "{\"h\": \"1\"}", "a".getBytes(StandardCharsets.UTF_8), Instant.parse("2026-01-02T03:04:05Z")),
                    record(1, "b", null, null), record(0, "c", null, null)), null, null);
        }
        assertEquals(2, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".log_batch"),
                "one batch per partition");
        try (Connection connection = dataSource.getConnection()) {
            assertArrayEquals(new long[] { 2, 1, 3 }, store.append(connection, topic,
                    List.of(record(0, "d", null, null), record(1, "e", null, null), record(0, "f", null, null)), null, null));
        }
        assertEquals(4, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".log_batch"),
                "the next append stored one batch per partition too");

        List<StoredRecord> records = store.fetch(dataSource, topic, new int[] { 0, 1 }, new long[] { 0, 0 }, 10);
        assertEquals(List.of("0@0 a", "0@1 c", "0@2 d", "0@3 f", "1@0 b", "1@1 e"),
                records.stream().map(r -> r.partition() + "@" + r.offset() + " " + new String(r.payload(), StandardCharsets.UTF_8))
                        .toList());
        StoredRecord first = records.get(0);
        assertEquals("k1", new String(first.key(), StandardCharsets.UTF_8));
        assertEquals("{\"h\": \"1\"}", first.headers());
        assertEquals("text/plain", first.contentType());
        assertEquals(Instant.parse("2026-01-02T03:04:05Z"), first.timestamp(), "the producer's timestamp");
        assertEquals(Rows.queryLong(dataSource, "SELECT (extract(epoch FROM appended_at) * 1000000)::bigint FROM " + SCHEMA
                + ".log_batch WHERE partition = 0 AND first_offset = 0"),
                records.get(1).timestamp().getEpochSecond() * 1_000_000 + records.get(1).timestamp().getNano() / 1000,
                "no producer's timestamp: the append time");
        assertEquals(1, store.fetch(dataSource, topic, new int[] { 0 }, new long[] { 3 }, 10).size(),
                "a read from the middle of a batch starts at its offset");
        assertEquals(3 * 1000 + 1, Rows.queryLong(dataSource, "SELECT sum(r.\"offset\" * 1000 + length(r.payload))"
                + " FROM " + SCHEMA + ".log_batch AS b CROSS JOIN LATERAL " + SCHEMA + ".log_batch_records(b) AS r"
                + " WHERE b.partition = 0 AND r.content_type = 'text/plain' AND r.\"offset\" = 3"),
                "log_batch_records lists a batch's records with their offsets");
        assertEquals(6, Rows.queryLong(dataSource, "SELECT count(*) FROM " + SCHEMA + ".log_batch AS b"
                + " CROSS JOIN LATERAL " + SCHEMA + ".log_batch_records(b) AS r"));
    }

    @Test
    void anAppendWhoseArraysDifferInLengthIsRefused() throws Exception {
        String schema = SCHEMA + "_lengths";
        new SchemaManager(schema).migrate(dataSource);
        Topic topic = new LogStore(schema).createTopic(dataSource, "mismatched", 1, null);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Rows.queryLong(dataSource,
                "SELECT first_offset FROM " + schema + ".append_records(" + topic.id() + ", '{0,0}', '{NULL,NULL}', '{a,b}',"
                        + " '{NULL,NULL}', '{x,y,z}'::bytea[], '{NULL,NULL}', NULL, NULL)"));
        assertTrue(refused.getCause().getMessage().contains("one element per record"), refused.getCause().getMessage());
        assertEquals(0, Rows.queryLong(dataSource, "SELECT count(*) FROM " + schema + ".log_batch"));
    }

    private static NewRecord record(int partition, String payload, String key, String headers) {
        return new NewRecord(partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8), "text/plain", headers,
                payload.getBytes(StandardCharsets.UTF_8), null);
    }
}
