package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Random;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.deployment.Rows;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A seek by time finds the first offset appended at or after the time by a binary search over the
 * offset index (there is no index on the append time): checked against a full scan for times
 * before, between, on and after the records' own, on a partition whose start was dropped by
 * retention and that has a gap in its offsets, across daily segments, and on an empty partition.
 */
class LogSeekByTimeTest {

    static final String SCHEMA = "log_seek_by_time_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    @Inject
    AgroalDataSource dataSource;

    @Test
    void theBinarySearchFindsWhatAFullScanFinds() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        Topic topic = new LogStore(SCHEMA).createTopic(dataSource, "events", 4, null);
        // one base time for every statement below (now() is each statement's own)
        String base = "to_timestamp(" + Rows.queryLong(dataSource, "SELECT extract(epoch FROM date_trunc('second', now()))::bigint") + ")";
        // partition 0: offsets 0-999 in batches of ten, one batch a second;
        // partition 1: offsets 300-699 in batches of one, ten per second (retention dropped the ones
        // before), without 450-459;
        // partition 2: offsets 0-9 five days ago, 10-19 now (two daily segments);
        // partition 3: empty
        Rows.execute(dataSource, "INSERT INTO " + SCHEMA + ".log_batch (topic_id, partition, first_offset, last_offset, appended_at,"
                + " timestamps, payloads) SELECT " + topic.id() + ", 0, b * 10, b * 10 + 9, " + base + " + b * interval '1 second',"
                + " array_fill(NULL::timestamptz, ARRAY[10]), array_fill('r'::bytea, ARRAY[10]) FROM generate_series(0, 99) AS b");
        Rows.execute(dataSource, "INSERT INTO " + SCHEMA + ".log_batch (topic_id, partition, first_offset, last_offset, appended_at,"
                + " timestamps, payloads) SELECT " + topic.id() + ", 1, o, o, " + base + " + (o / 10) * interval '1 second',"
                + " ARRAY[now()], ARRAY['r'::bytea] FROM generate_series(300, 699) AS o WHERE o NOT BETWEEN 450 AND 459");
        // that day's segment and the next (the ten seconds may cross midnight)
        Rows.execute(dataSource, "SELECT " + SCHEMA + ".maintain_log_segments(1, " + base + " - interval '5 days')");
        Rows.execute(dataSource, "INSERT INTO " + SCHEMA + ".log_batch (topic_id, partition, first_offset, last_offset, appended_at,"
                + " timestamps, payloads) SELECT " + topic.id() + ", 2, o, o, " + base + " + (o % 10) * interval '1 second'"
                + " - CASE WHEN o < 10 THEN interval '5 days' ELSE interval '0' END, ARRAY[now()], ARRAY['r'::bytea]"
                + " FROM generate_series(0, 19) AS o");
        Rows.execute(dataSource, "INSERT INTO " + SCHEMA + ".log_partition_floor VALUES (" + topic.id() + ", 3, 42)");

        Random random = new Random(7);
        for (int partition = 0; partition < 4; partition++) {
            for (int i = 0; i < 200; i++) {
                // from 5 s before the first record to 5 s after the last, on whole and half seconds
                double seconds = -5 + random.nextInt(220) / 2.0;
                String at = base + " + " + seconds + " * interval '1 second'";
                long expected = Rows.queryLong(dataSource, "SELECT coalesce(min(first_offset) FILTER (WHERE appended_at >= " + at + "), "
                        + SCHEMA + ".log_end_offset(" + topic.id() + ", " + partition + ")) FROM " + SCHEMA
                        + ".log_batch WHERE topic_id = " + topic.id() + " AND partition = " + partition);
                assertEquals(expected, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", " + partition
                        + ", " + at + ")"), "partition " + partition + ", " + seconds + " s from the first record");
            }
        }
        assertEquals(0, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", 2, " + base
                + " - interval '6 days')"), "before the first segment");
        assertEquals(5, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", 2, " + base
                + " - interval '5 days' + interval '4.5 seconds')"), "in the segment of five days ago");
        assertEquals(10, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", 2, " + base
                + " - interval '2 days')"), "between the segments");
        assertEquals(14, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", 2, " + base
                + " + interval '3.5 seconds')"), "in today's segment");
        assertEquals(42, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", 3, now())"),
                "an empty partition: its log end offset");
        assertEquals(1000, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", 0, now() + interval '1 hour')"),
                "after the last record: the log end offset");
        assertEquals(300, Rows.queryLong(dataSource, "SELECT " + SCHEMA + ".offset_at_time(" + topic.id() + ", 1, now() - interval '1 hour')"),
                "before the first record kept: the log start offset");
    }


}
