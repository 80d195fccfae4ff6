package dev.pgmessaging.admin.runtime;

import java.util.Optional;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The admin endpoints and console of the {@code postgres} connector. */
@ConfigMapping(prefix = "quarkus.messaging.postgres.admin")
@ConfigRoot(phase = ConfigPhase.BUILD_AND_RUN_TIME_FIXED)
public interface AdminConfig {

    /**
     * Whether to serve the admin endpoints and the console. When not set: in dev and test mode only,
     * never in a production build unless set to {@code true}.
     */
    Optional<Boolean> enabled();

    /**
     * Where they are served, under the non-application root ({@code /q}), on the management interface
     * when it is enabled ({@code quarkus.management.enabled=true}): the console at
     * {@code /q/<path>/}, the endpoints at {@code /q/<path>/api/...}.
     */
    @WithDefault("pgmessaging")
    String path();

    /**
     * The role a caller needs when the application has a security extension: callers without it get
     * 401 (not authenticated) or 403. Without a security extension, the endpoints are open: enable
     * them in production only on a management interface that is not exposed, or add security.
     */
    @WithDefault("pgmessaging-admin")
    String role();
}
