package dev.pgmessaging.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.pgmessaging.runtime.exchange.ExchangeType;
import io.quarkus.runtime.annotations.ConfigDocMapKey;
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

    /**
     * How long channels with {@code ack-mode=archive} keep acked messages in the archive. The archive
     * is partitioned by day: a day's partition is dropped, as a whole, once it ended longer ago than
     * this.
     */
    @WithDefault("7d")
    Duration archiveRetention();

    /**
     * Exchanges to declare at startup, by name, with the bindings of queues to them. Declared in
     * every datasource the connector uses, before the channels start; channels can declare more
     * (attributes {@code exchange}, {@code exchange-type}, {@code routing-keys}, ...).
     */
    @ConfigDocMapKey("exchange")
    Map<String, ExchangeConfig> exchanges();

    /** The connector's meters, when the application has Micrometer ({@code quarkus-micrometer}). */
    MetricsConfig metrics();

    interface MetricsConfig {

        /**
         * Whether the connector registers its meters: per channel counters and timers, and gauges of
         * every queue, topic partition and consumer group. Without a metrics extension there are none,
         * whatever this says.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * How old the queue and topic gauges may get. Their values come from one snapshot per
         * datasource (two statements), taken when a gauge is read and the last one is older than
         * this: however many gauges and scrapes, at most one snapshot per interval, and none while
         * nothing reads them.
         */
        @WithDefault("5s")
        Duration refreshInterval();

        /**
         * How many messages the queue gauges read to count the queues, when the datasource's queues
         * hold more. Up to this many messages waiting, every queue is counted exactly. Past it, a
         * sample of about this many messages finds the deep queues, which get estimates (within
         * about a seventh), and the other queues are counted exactly if together they hold no more
         * than twice this many; otherwise every queue is counted exactly, at the cost of a pass over
         * all the messages. The admin API and the consoles always count exactly.
         */
        @WithDefault("10000")
        int exactCountLimit();
    }

    interface ExchangeConfig {

        /**
         * The type of the exchange. If it already exists with another type, startup fails. When not
         * set: the type it was created with, or {@code topic} if it does not exist yet.
         */
        Optional<ExchangeType> type();

        /** Bindings of queues to this exchange, by queue name. */
        @ConfigDocMapKey("queue")
        Map<String, BindingConfig> bindings();
    }

    interface BindingConfig {

        /**
         * The binding keys (direct and topic exchanges). When not set: {@code #} (everything) for a
         * topic exchange, the queue name for a direct exchange.
         */
        Optional<List<String>> routingKeys();

        /** The headers to match (headers exchanges). */
        @ConfigDocMapKey("header")
        Map<String, String> headers();

        /** With a headers exchange: whether all the headers must match, or any one of them. */
        @WithDefault("all")
        XMatch xMatch();
    }

    enum XMatch {
        ALL,
        ANY
    }

    enum SchemaManagement {
        CREATE,
        VALIDATE,
        NONE
    }
}
