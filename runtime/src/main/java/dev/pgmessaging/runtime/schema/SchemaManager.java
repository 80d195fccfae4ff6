package dev.pgmessaging.runtime.schema;

import static dev.pgmessaging.runtime.logging.PostgresExceptions.EX;
import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.PostgresMessagingConfig.SchemaManagement;
import dev.pgmessaging.runtime.sql.Identifiers;
import dev.pgmessaging.runtime.sql.SqlStatements;

/**
 * Brings the messaging schema to the version this release needs, or checks that it is there.
 * Migrations are numbered {@code .sql} resources applied in order, each recorded in
 * {@code schema_version}; all of them run in one transaction that holds an advisory lock, so
 * several application instances starting at once apply each migration exactly once.
 * <p>
 * A schema that is up to date needs no right to create anything: {@code create} then only checks
 * it, so that an application role with the rights {@code grant_application_role} gives (see the
 * least-privilege section of the schema baseline, {@code V1__baseline.sql}) starts in any mode,
 * while the schema's owner applies the migrations.
 */
public final class SchemaManager {

    private static final String SETTING = "quarkus.messaging.postgres.schema-management";
    /** High bits of our advisory lock keys ("pgm" in ASCII), so they do not collide with an application's own keys. */
    private static final long LOCK_PREFIX = 0x70676d00_00000000L;
    /** SQLSTATE insufficient_privilege. */
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private final String schema;
    private final SqlStatements sql;

    public SchemaManager(String schema) {
        this.schema = Identifiers.validateSchema(schema);
        this.sql = SqlStatements.load("schema.sql", schema);
    }

    public void apply(DataSource dataSource, SchemaManagement mode) {
        switch (mode) {
            case CREATE -> migrate(dataSource);
            case VALIDATE -> validate(dataSource);
            case NONE -> LOG.debugf("Schema management is off for schema %s", schema);
        }
    }

    /** Applies the missing migrations; safe to call from several instances at once. */
    public void migrate(DataSource dataSource) {
        if (missingMigrations(dataSource).isEmpty()) {
            LOG.debugf("The messaging schema %s is up to date", schema);
            checkPrivileges(dataSource, SchemaManagement.CREATE);
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                try (PreparedStatement lock = connection.prepareStatement(sql.get("lock"))) {
                    lock.setLong(1, lockKey());
                    lock.execute();
                }
                statement.execute(sql.get("create-schema"));
                statement.execute(sql.get("create-version-table"));
                Set<Integer> applied = appliedVersions(connection);
                for (Migration migration : Migration.ALL) {
                    if (!applied.contains(migration.version())) {
                        LOG.applyingMigration(migration.file(), schema);
                        statement.execute(migration.script(schema));
                        try (PreparedStatement record = connection.prepareStatement(sql.get("record-version"))) {
                            record.setInt(1, migration.version());
                            record.setString(2, migration.description());
                            record.executeUpdate();
                        }
                    }
                }
                // the application roles get the rights on what the migrations added
                statement.execute(sql.get("grant-application-roles"));
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw EX.schemaNotMigrated(schema, e.getMessage(), INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())
                    ? ". This role may not create it: apply the migrations as the schema's owner (start the"
                            + " application once with the owner's credentials), give this role access with"
                            + " SELECT " + schema + ".grant_application_role('<role>') as the owner, and run"
                            + " with " + SETTING + "=validate"
                    : " (set " + SETTING + "=validate to check a schema migrated by its owner, or none to manage"
                            + " it yourself)",
                    e);
        }
    }

    /** Fails with a message naming every missing migration unless the schema is up to date. */
    public void validate(DataSource dataSource) {
        List<Migration> missing = missingMigrations(dataSource);
        if (!missing.isEmpty()) {
            throw EX.schemaNotUpToDate(schema, SETTING,
                    String.join(" ", missing.stream().map(Migration::file).toList()), Migration.RESOURCE_DIRECTORY);
        }
        checkPrivileges(dataSource, SchemaManagement.VALIDATE);
    }

    /**
     * Fails, naming what is missing and how to grant it, unless the current role has the rights the
     * channels need: it would otherwise start, and fail at its first send, claim or upkeep.
     */
    private void checkPrivileges(DataSource dataSource, SchemaManagement mode) {
        List<String> missing = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(sql.get("missing-privileges"))) {
            query.setString(1, schema);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    missing.add(rs.getString(1));
                }
            }
            if (!missing.isEmpty()) {
                String role;
                try (ResultSet rs = connection.createStatement().executeQuery("SELECT current_user")) {
                    rs.next();
                    role = rs.getString(1);
                }
                throw EX.rightsMissing(role, schema, SETTING, mode.name().toLowerCase(), String.join("; ", missing));
            }
        } catch (SQLException e) {
            throw EX.rightsNotChecked(schema, e.getMessage(), e);
        }
    }

    /** The migrations not applied to the schema yet (all of them when it does not exist). */
    private List<Migration> missingMigrations(DataSource dataSource) {
        List<Migration> missing = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            Set<Integer> applied = new TreeSet<>();
            boolean versionTable;
            try (PreparedStatement exists = connection.prepareStatement(sql.get("version-table-exists"))) {
                exists.setString(1, Identifiers.quotedSchema(schema) + ".schema_version");
                try (ResultSet rs = exists.executeQuery()) {
                    rs.next();
                    versionTable = rs.getBoolean(1);
                }
            }
            if (versionTable) {
                applied = appliedVersions(connection);
            }
            for (Migration migration : Migration.ALL) {
                if (!applied.contains(migration.version())) {
                    missing.add(migration);
                }
            }
        } catch (SQLException e) {
            throw EX.schemaVersionNotRead(schema, e.getMessage(), INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())
                    ? ". Give this role access with SELECT " + schema + ".grant_application_role('<role>'),"
                            + " run as the schema's owner"
                    : "", e);
        }
        return missing;
    }

    private Set<Integer> appliedVersions(Connection connection) throws SQLException {
        Set<Integer> versions = new TreeSet<>();
        try (PreparedStatement query = connection.prepareStatement(sql.get("applied-versions"));
                ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
        }
        return versions;
    }

    private long lockKey() {
        return LOCK_PREFIX | (schema.hashCode() & 0xffffffffL);
    }
}
