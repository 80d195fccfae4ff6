package dev.pgmessaging.deployment.devservices;

import static io.quarkus.datasource.deployment.spi.DatabaseDefaultSetupConfig.DEFAULT_DATABASE_NAME;
import static io.quarkus.datasource.deployment.spi.DatabaseDefaultSetupConfig.DEFAULT_DATABASE_PASSWORD;
import static io.quarkus.datasource.deployment.spi.DatabaseDefaultSetupConfig.DEFAULT_DATABASE_USERNAME;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.datasource.common.runtime.DataSourceUtil;
import io.quarkus.datasource.common.runtime.DatabaseKind;
import io.quarkus.datasource.deployment.spi.DatasourceStartable;
import io.quarkus.datasource.deployment.spi.DevServicesDatasourceContainerConfig;
import io.quarkus.datasource.deployment.spi.DevServicesDatasourceProvider;
import io.quarkus.datasource.deployment.spi.DevServicesDatasourceProviderBuildItem;
import io.quarkus.deployment.Feature;
import io.quarkus.deployment.IsDevServicesSupportedByLaunchMode;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.DevServicesComposeProjectBuildItem;
import io.quarkus.deployment.builditem.DockerStatusBuildItem;
import io.quarkus.devservices.common.ConfigureUtil;
import io.quarkus.runtime.LaunchMode;

/**
 * Dev Services for PostgreSQL datasources: a container when a container runtime is available,
 * otherwise an embedded PostgreSQL server. This provider takes the place of the container-only
 * one (the runtime module excludes {@code quarkus-devservices-postgresql}, since the datasource
 * Dev Services accept a single provider per database kind); the datasource extension still
 * decides when Dev Services apply (no URL configured, not disabled) and wires the URL.
 */
class PostgresDevServicesProcessor {

    @BuildStep(onlyIf = IsDevServicesSupportedByLaunchMode.class)
    DevServicesDatasourceProviderBuildItem postgresProvider(DockerStatusBuildItem docker, PostgresDevServicesConfig config) {
        return new DevServicesDatasourceProviderBuildItem(DatabaseKind.POSTGRESQL, new DevServicesDatasourceProvider() {

            @Override
            public String getFeature() {
                return Feature.JDBC_POSTGRESQL.getName();
            }

            @Override
            public boolean isDockerRequired() {
                return !config.embedded();
            }

            @Override
            public DatasourceStartable createDatasourceStartable(Optional<String> username, Optional<String> password,
                    String datasourceName, DevServicesDatasourceContainerConfig containerConfig, LaunchMode launchMode,
                    boolean useSharedNetwork, Optional<Duration> startupTimeout) {
                String user = containerConfig.getUsername().orElse(username.orElse(DEFAULT_DATABASE_USERNAME));
                String secret = containerConfig.getPassword().orElse(password.orElse(DEFAULT_DATABASE_PASSWORD));
                String database = containerConfig.getDbName()
                        .orElse(DataSourceUtil.isDefault(datasourceName) ? DEFAULT_DATABASE_NAME : datasourceName);
                if (!config.embedded() || docker.isContainerRuntimeAvailable()) {
                    ContainerPostgresStartable container = new ContainerPostgresStartable(containerConfig.getImageName()
                            .orElseGet(() -> ConfigureUtil.getDefaultImageNameFor("postgresql")),
                            containerConfig.getFixedExposedPort());
                    container.withUsername(user).withPassword(secret).withDatabaseName(database)
                            .withReuse(containerConfig.isReuse()).withEnv(containerConfig.getContainerEnv());
                    containerConfig.getAdditionalJdbcUrlProperties().forEach(container::withUrlParam);
                    startupTimeout.ifPresent(container::withStartupTimeout);
                    return container;
                }
                return new EmbeddedPostgresStartable(user, secret, database, containerConfig.getFixedExposedPort(),
                        containerConfig.getAdditionalJdbcUrlProperties());
            }

            @Override
            public Optional<RunningDevServicesDatasource> findRunningComposeDatasource(LaunchMode launchMode,
                    boolean useSharedNetwork, DevServicesDatasourceContainerConfig containerConfig,
                    DevServicesComposeProjectBuildItem composeProject) {
                return Optional.empty();
            }
        });
    }
}
