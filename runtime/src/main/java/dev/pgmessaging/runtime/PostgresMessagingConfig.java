package dev.pgmessaging.runtime;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings shared by every channel of the {@code postgres} connector. Per-channel settings are the
 * connector attributes declared on {@link PostgresConnector}.
 */
@ConfigMapping(prefix = "quarkus.messaging.postgres")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface PostgresMessagingConfig {

    /**
     * The database schema that holds the messaging tables. It must be a plain lower-case SQL
     * identifier (letters, digits and underscores, at most 63 bytes), because it is used as one.
     */
    @WithDefault("pgmessaging")
    String schema();

    /**
     * What to do with the messaging schema at startup: {@code create} applies the missing
     * migrations (under an advisory lock, so several instances may start at once);
     * {@code validate} fails startup, saying what is missing, unless the schema is up to date;
     * {@code none} does nothing.
     */
    @WithDefault("create")
    SchemaManagement schemaManagement();

    enum SchemaManagement {
        CREATE,
        VALIDATE,
        NONE
    }
}
