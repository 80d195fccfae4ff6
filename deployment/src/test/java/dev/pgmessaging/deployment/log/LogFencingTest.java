package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.log.LogStore.OwnedPartition;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.schema.SchemaManager;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Fencing: a member that stalled past its session timeout loses its partitions to a live member,
 * and its commits for them no longer count, even though it still believes it owns them.
 */
class LogFencingTest {

    static final String SCHEMA = "log_fencing_test";
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(1);

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA);

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aMemberThatLostItsPartitionCannotCommit() throws Exception {
        new SchemaManager(SCHEMA).migrate(dataSource);
        LogStore store = new LogStore(SCHEMA);
        Topic topic = store.createTopic(dataSource, "fenced", 2, null);
        List<OwnedPartition> stalled = store.heartbeat(dataSource, "g", topic, "stalled", SESSION_TIMEOUT, true, false,
                new int[0]);
        assertEquals(2, stalled.size(), "alone in the group, it owns both partitions");
        assertEquals(List.of(0, 1), commit(store, topic, "stalled", stalled, 5), "its commits count while it owns them");

        // it stops heart-beating; a live member takes its partitions once its session has expired
        List<OwnedPartition> live = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> store.heartbeat(dataSource, "g", topic, "live", SESSION_TIMEOUT, true, false, new int[0]),
                        owned -> owned.size() == 2);
        assertTrue(live.get(0).epoch() > stalled.get(0).epoch(), "a new owner, a new epoch");
        assertEquals(5, live.get(0).committedOffset(), "the new owner starts at the last commit");

        assertEquals(List.of(), commit(store, topic, "stalled", stalled, 9), "the stalled member's commit is refused");
        assertEquals(List.of(0, 1), commit(store, topic, "live", live, 7));
        assertEquals(7, store.lag(dataSource, "g", "fenced").get(0).committedOffset());
    }

    private List<Integer> commit(LogStore store, Topic topic, String member, List<OwnedPartition> owned, long offset)
            throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            return store.commit(connection, "g", topic, member, owned.stream().mapToInt(OwnedPartition::partition).toArray(),
                    owned.stream().mapToLong(p -> offset).toArray(), owned.stream().mapToLong(OwnedPartition::epoch).toArray());
        }
    }
}
