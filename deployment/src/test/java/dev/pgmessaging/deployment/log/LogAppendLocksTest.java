package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * An append does not plan its log end offset lookup over every topic's daily segments
 * (log_end_offset is PL/pgSQL: see the schema baseline, V1__baseline.sql, for why), which would
 * open (and lock) the index of each of them at every append: whether the session's plan cache gives
 * it a plan for its topic or a generic plan, it opens the indexes of its own topic's segments only.
 */
class LogAppendLocksTest {

    static final String SCHEMA = "log_append_locks_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.messaging.postgres.schema-management", "none");

    @Inject
    AgroalDataSource dataSource;

    @Test
    void anAppendDoesNotLockTheSegmentsIndexesOfOtherTopics() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.createTopic(dataSource, "orders", 2, null);
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add("log_batch_t" + store.createTopic(dataSource, "other-" + i, 2, null).id() + "_p%");
        }

        try (Connection connection = dataSource.getConnection()) {
            // more appends than the plan cache's five custom plans, on one session
            for (int i = 0; i < 8; i++) {
                store.append(connection, topic, List.of(record()), null, null);
            }
            connection.setAutoCommit(false);
            assertArrayEquals(new long[] { 8 }, store.append(connection, topic, List.of(record()), null, null),
                    "the offsets go on from the log end");
            assertEquals(0, lockedIndexesOf(connection, others),
                    "the append locked indexes of other topics' segments: it planned over every topic");
            connection.rollback();
        }
    }

    private static NewRecord record() {
        return new NewRecord(0, null, "text/plain", null, "payload".getBytes(StandardCharsets.UTF_8), null);
    }

    /** Indexes this session holds a lock on whose name starts like the given segments'. */
    private static long lockedIndexesOf(Connection connection, List<String> segmentPatterns) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM pg_locks AS l"
                + " JOIN pg_class AS c ON c.oid = l.relation"
                + " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                + " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relkind = 'i'"
                + " AND n.nspname = ? AND c.relname LIKE ANY (?)")) {
            statement.setString(1, SCHEMA);
            statement.setArray(2, connection.createArrayOf("text", segmentPatterns.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
