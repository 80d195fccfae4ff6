package dev.pgmessaging.deployment.devservices;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Dev Services of the Postgres messaging extension. */
@ConfigMapping(prefix = "quarkus.messaging.postgres.devservices")
@ConfigRoot(phase = ConfigPhase.BUILD_TIME)
public interface PostgresDevServicesConfig {

    /**
     * Whether, in dev and test mode, a PostgreSQL datasource without a configured URL gets an
     * embedded PostgreSQL server (real PostgreSQL binaries run as a child process) when no
     * container runtime is available. With a container runtime, the usual container-based Dev
     * Services apply. Set to {@code false} to require a container runtime; set
     * {@code quarkus.datasource.devservices.enabled=false} to turn Dev Services off altogether.
     */
    @WithDefault("true")
    boolean embedded();
}
