package dev.pgmessaging.runtime.schema;

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

import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.PostgresMessagingConfig.SchemaManagement;
import dev.pgmessaging.runtime.sql.Identifiers;
import dev.pgmessaging.runtime.sql.SqlStatements;

/**
 * Brings the messaging schema to the version this release needs, or checks that it is there.
 * Migrations are numbered {@code .sql} resources applied in order, each recorded in
 * {@code schema_version}; all of them run in one transaction that holds an advisory lock, so
 * several application instances starting at once apply each migration exactly once.
 */
public final class SchemaManager {

    private static final Logger LOG = Logger.getLogger(SchemaManager.class);
    private static final String SETTING = "quarkus.messaging.postgres.schema-management";
    /** High bits of our advisory lock keys ("pgm" in ASCII), so they do not collide with an application's own keys. */
    private static final long LOCK_PREFIX = 0x70676d00_00000000L;

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
                        LOG.infof("Applying messaging schema migration %s to schema %s", migration.file(), schema);
                        statement.execute(migration.script(schema));
                        try (PreparedStatement record = connection.prepareStatement(sql.get("record-version"))) {
                            record.setInt(1, migration.version());
                            record.setString(2, migration.description());
                            record.executeUpdate();
                        }
                    }
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create or migrate the messaging schema '" + schema + "': "
                    + e.getMessage() + " (set " + SETTING + "=none to manage the schema yourself)", e);
        }
    }

    /** Fails with a message naming every missing migration unless the schema is up to date. */
    public void validate(DataSource dataSource) {
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
            throw new IllegalStateException("Could not validate the messaging schema '" + schema + "': " + e.getMessage(), e);
        }
        if (!missing.isEmpty()) {
            StringBuilder message = new StringBuilder("The messaging schema '").append(schema)
                    .append("' is not up to date (" + SETTING + "=validate). Missing migrations:");
            for (Migration migration : missing) {
                message.append(' ').append(migration.file());
            }
            message.append(". Apply them (they are in the extension jar under ")
                    .append(Migration.RESOURCE_DIRECTORY)
                    .append(", with {schema} replaced by the schema name), or set " + SETTING + "=create.");
            throw new IllegalStateException(message.toString());
        }
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
