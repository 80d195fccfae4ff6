package dev.pgmessaging.deployment.devservices;

import java.util.OptionalInt;

import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import io.quarkus.datasource.deployment.spi.DatasourceStartable;

/**
 * A PostgreSQL container: the usual Dev Services path when a container runtime is available.
 * Quarkus applies its Dev Services labels and timeouts to every container it starts.
 */
final class ContainerPostgresStartable extends PostgreSQLContainer implements DatasourceStartable {

    private static final int POSTGRES_PORT = 5432;
    private final OptionalInt fixedPort;

    ContainerPostgresStartable(String image, OptionalInt fixedPort) {
        super(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"));
        this.fixedPort = fixedPort;
    }

    @Override
    protected void configure() {
        super.configure();
        fixedPort.ifPresent(port -> addFixedExposedPort(port, POSTGRES_PORT));
    }

    @Override
    public String getEffectiveJdbcUrl() {
        return getJdbcUrl();
    }

    @Override
    public String getReactiveUrl() {
        return getJdbcUrl().replaceFirst("jdbc:", "vertx-reactive:");
    }

    @Override
    public void close() {
        super.close();
    }

    @Override
    public String getConnectionInfo() {
        return getJdbcUrl();
    }
}
