package dev.pgmessaging.deployment.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.runtime.api.QueueInfo;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.QueueOperations;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The queue gauges' counts (queue_depths): exact while the queues hold no more messages than the
 * limit; past it, the deep queue is estimated from a sample and the small ones are still counted
 * exactly; when the sample is too small to trust, or with no limit (the admin API), everything is
 * counted.
 */
class QueueDepthsTest {

    static final String SCHEMA = "queue_depths_test";
    static final int DEEP = 40_000;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(TestQueues.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    private static boolean filled;

    @Inject
    AgroalDataSource dataSource;

    /** One deep queue (a twentieth of it delayed, an eightieth leased, spread evenly) and three small ones. */
    private void fill() throws Exception {
        if (filled) {
            return;
        }
        filled = true;
        TestQueues.migrated(dataSource, SCHEMA);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO " + SCHEMA + ".queue (name) VALUES ('deep'), ('small'), ('small.dlq'), ('empty')");
            statement.execute("INSERT INTO " + SCHEMA + ".queue_message (queue, payload, visible_at, lease_token)"
                    + " SELECT 'deep', '\\x00', CASE WHEN i % 20 = 0 OR i % 80 = 1 THEN now() + interval '1 hour'"
                    + " ELSE now() END, CASE WHEN i % 80 = 1 THEN 1 END FROM generate_series(1, " + DEEP + ") AS i");
            statement.execute("INSERT INTO " + SCHEMA + ".queue_message (queue, payload, enqueued_at, visible_at)"
                    + " SELECT 'small', '\\x00', now() - interval '1 minute', now() - interval '1 minute'"
                    + " FROM generate_series(1, 7)");
            statement.execute("INSERT INTO " + SCHEMA + ".queue_message (queue, payload, visible_at)"
                    + " SELECT 'small.dlq', '\\x00', now() + interval '1 hour' FROM generate_series(1, 3)");
        }
    }

    @Test
    void pastTheLimitTheDeepestQueueIsEstimatedAndTheSmallOnesCounted() throws Exception {
        fill();
        Map<String, Object[]> depths = depths(10_000);
        assertEquals(List.of(7L, 0L, 0L, false), Arrays.asList(depths.get("small")).subList(0, 4), "counted exactly");
        assertEquals(List.of(0L, 3L, 0L, false), Arrays.asList(depths.get("small.dlq")).subList(0, 4));
        assertEquals(List.of(0L, 0L, 0L, false), Arrays.asList(depths.get("empty")).subList(0, 4));
        assertTrue((Double) depths.get("small")[4] >= 60, "the oldest ready waited a minute");
        Object[] deep = depths.get("deep");
        assertEquals(true, deep[3], "estimated");
        long ready = DEEP - DEEP / 20 - DEEP / 80;
        within(ready, (Long) deep[0], 0.4, "ready");
        within(DEEP / 20, (Long) deep[1], 0.5, "delayed");
        within(DEEP / 80, (Long) deep[2], 0.6, "in flight");
    }

    @Test
    void withinTheLimitWithoutOneOrWithATooSmallSampleEveryQueueIsCountedExactly() throws Exception {
        fill();
        Map<String, Object[]> limited = depths(100_000);
        Map<String, Object[]> exact = depths(null);
        // a limit so low that the sample (about a thousand messages) sees the deep queue on a few
        // pages only: no estimate to trust, and more than four times the limit to count by index
        Map<String, Object[]> tooLow = depths(1_000);
        long ready = DEEP - DEEP / 20 - DEEP / 80; // i % 80 = 1 and i % 20 = 0 never both hold
        for (Map<String, Object[]> depths : List.of(limited, exact, tooLow)) {
            assertEquals(List.of(ready, (long) DEEP / 20, (long) DEEP / 80, false),
                    Arrays.asList(depths.get("deep")).subList(0, 4));
            assertEquals(List.of(7L, 0L, 0L, false), Arrays.asList(depths.get("small")).subList(0, 4));
        }
        // and through the admin API's statement, which passes no limit
        QueueInfo deep = new QueueOperations(SCHEMA, new PayloadCodec(new ObjectMapper())).queues(dataSource, queue -> null).stream()
                .filter(q -> q.name().equals("deep")).findFirst().orElseThrow();
        assertEquals(ready, deep.ready());
        assertFalse(new QueueOperations(SCHEMA, new PayloadCodec(new ObjectMapper())).queues(dataSource, queue -> null, 10_000).isEmpty());
    }

    /** queue → ready, delayed, in flight, estimated, oldest ready age (s). */
    private Map<String, Object[]> depths(Integer limit) throws Exception {
        Map<String, Object[]> depths = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT queue, ready, delayed, in_flight, estimated, oldest_ready_age FROM " + SCHEMA
                                + ".queue_depths(?::integer)")) {
            statement.setObject(1, limit);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    depths.put(rs.getString(1), new Object[] { rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            rs.getBoolean(5), rs.getObject(6) });
                }
            }
        }
        return depths;
    }

    private static void within(long expected, long actual, double tolerance, String what) {
        assertTrue(Math.abs(actual - expected) <= expected * tolerance,
                what + ": " + actual + " is not within " + (int) (tolerance * 100) + "% of " + expected);
    }
}
