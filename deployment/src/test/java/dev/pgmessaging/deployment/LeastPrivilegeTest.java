package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.runtime.PostgresMessagingConfig.SchemaManagement;
import dev.pgmessaging.runtime.log.LogStore.NewRecord;
import dev.pgmessaging.runtime.log.LogStore.Topic;
import dev.pgmessaging.runtime.log.LogStore;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.queue.ClaimedMessage;
import dev.pgmessaging.runtime.queue.QueueOperations;
import dev.pgmessaging.runtime.queue.QueueStore;
import dev.pgmessaging.runtime.schema.SchemaManager;
import dev.pgmessaging.runtime.sql.NewMessage;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Two roles: the schema's owner applies the migrations; an application role that owns nothing and
 * may create nothing gets access with {@code grant_application_role}. It starts in the default
 * {@code create} mode (the schema is up to date) and runs everything the connector does, upkeep
 * included: slot rotation, new daily segments and archive partitions, dropped ones, a new topic.
 * A role that was not given access fails at startup, told what to grant.
 */
class LeastPrivilegeTest {

    static final String SCHEMA = "least_privilege_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Rows.class, Failures.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("quarkus.messaging.postgres.schema-management", "none");

    @Inject
    AgroalDataSource owner;

    private final String role = "pgmessaging_app_" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void anApplicationRoleWithDmlRightsOnlyRunsTheConnector() throws Exception {
        new SchemaManager(SCHEMA).migrate(owner);
        PGSimpleDataSource application = createRole();
        // as a DBA grants them: reading and writing the schema's tables and sequences, calling its functions
        Rows.execute(owner, "GRANT USAGE ON SCHEMA " + SCHEMA + " TO " + role);
        Rows.execute(owner, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + SCHEMA + " TO " + role);
        Rows.execute(owner, "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + SCHEMA + " TO " + role);
        Rows.execute(owner, "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + SCHEMA + " TO " + role);
        runTheConnector(application);
    }

    @Test
    void grantApplicationRoleGivesWhatTheConnectorNeeds() throws Exception {
        new SchemaManager(SCHEMA).migrate(owner);
        PGSimpleDataSource application = createRole();
        Rows.execute(owner, "SELECT " + SCHEMA + ".grant_application_role('" + role + "')");
        runTheConnector(application);
    }

    private void runTheConnector(PGSimpleDataSource application) throws Exception {
        new SchemaManager(SCHEMA).apply(application, SchemaManagement.CREATE);

        QueueStore queues = new QueueStore(SCHEMA);
        queues.registerQueue(application, "jobs");
        try (Connection connection = application.getConnection()) {
            queues.send(connection, List.of(new NewMessage("jobs", null, "text/plain", null, bytes("job"))), Duration.ZERO,
                    true);
        }
        List<ClaimedMessage> claimed = queues.claim(application, "jobs", 10, Duration.ofSeconds(30), null, false, "");
        assertEquals(1, claimed.size());
        assertEquals(1, queues.ack(application, new long[] { claimed.get(0).id() },
                new long[] { claimed.get(0).leaseToken() }, false));
        // the upkeep: a slot truncated (a rotation past a slot of 0 bytes), the archive's partitions
        for (int step = 0; step < 4; step++) {
            queues.rotateSlots(application, 0, 1000);
        }
        queues.maintainArchive(application, Duration.ofDays(1));
        // the gauges' counts, exact, and sampled (a limit of one message takes that path, and
        // leaves the queue's two messages to an estimate)
        try (Connection connection = application.getConnection()) {
            queues.send(connection, List.of(new NewMessage("jobs", null, "text/plain", null, bytes("a")),
                    new NewMessage("jobs", null, "text/plain", null, bytes("b"))), Duration.ZERO, false);
        }
        QueueOperations operations = new QueueOperations(SCHEMA, new PayloadCodec(new ObjectMapper()));
        assertEquals(2, operations.queues(application, queue -> null).stream()
                .filter(queue -> queue.name().equals("jobs")).findFirst().orElseThrow().ready());
        assertEquals(List.of("jobs"), operations.queues(application, queue -> null, 1).stream()
                .map(queue -> queue.name()).filter(name -> name.equals("jobs")).toList());

        LogStore logs = new LogStore(SCHEMA);
        Topic topic = logs.createTopic(application, "events", 2, Duration.ofDays(1));
        try (Connection connection = application.getConnection()) {
            logs.append(connection, topic, List.of(new NewRecord(0, null, "text/plain", null, bytes("e"), null)), null,
                    null);
        }
        assertEquals(1, logs.fetch(application, topic, new int[] { 0 }, new long[] { 0 }, 10).size());
        assertEquals(2, logs.heartbeat(application, "g", topic, "member", Duration.ofSeconds(10), true, false,
                new int[0]).size());
        logs.maintainSegments(application);
        // days later: new segments (and archive partitions) are created, those past retention dropped
        Rows.execute(application, "SELECT " + SCHEMA + ".maintain_log_segments(2, now() + interval '5 days')");
        Rows.execute(application, "SELECT " + SCHEMA + ".maintain_archive(interval '1 day', 2, now() + interval '5 days')");
        assertEquals(0, Rows.queryLong(owner, "SELECT count(*) FROM " + SCHEMA + ".log_batch"),
                "the segment of today was dropped past its retention");
    }

    @Test
    void aRoleNotGivenAccessFailsAtStartupToldWhatToGrant() throws Exception {
        new SchemaManager(SCHEMA).migrate(owner);
        PGSimpleDataSource application = createRole();
        for (SchemaManagement mode : List.of(SchemaManagement.CREATE, SchemaManagement.VALIDATE)) {
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> new SchemaManager(SCHEMA).apply(application, mode));
            Failures.assertMentions(failure, "grant_application_role");
        }
    }

    private PGSimpleDataSource createRole() throws SQLException {
        Rows.execute(owner, "CREATE ROLE " + role + " LOGIN PASSWORD 'application'");
        PGSimpleDataSource application = new PGSimpleDataSource();
        try (Connection connection = owner.getConnection()) {
            application.setURL(connection.getMetaData().getURL());
        }
        application.setUser(role);
        application.setPassword("application");
        try (Connection connection = application.getConnection()) {
            assertEquals(0, Rows.queryLong(application, "SELECT count(*) FROM pg_database"
                    + " WHERE datname = current_database() AND has_database_privilege(datname, 'CREATE')"),
                    "the application role may create schemas");
        }
        return application;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @AfterEach
    void dropRole() {
        Rows.execute(owner, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        Rows.execute(owner, "DROP ROLE IF EXISTS " + role);
    }
}
