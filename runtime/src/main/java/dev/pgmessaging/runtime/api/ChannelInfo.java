package dev.pgmessaging.runtime.api;

import java.util.Map;

/**
 * A {@code postgres} channel of this application ({@link PostgresMessaging#channels}); a channel
 * with a {@code concurrency} appears once per copy ({@code <channel>$1}, {@code <channel>$2}...).
 *
 * @param direction {@code incoming} or {@code outgoing}
 * @param model {@code queue} or {@code topic}
 * @param dataSource the datasource it uses ({@link PostgresMessaging#DEFAULT_DATASOURCE} for the default one)
 * @param paused whether it is paused (an outgoing channel never is)
 * @param failure why it cannot work now (its last statement failed, or the {@code fail} strategy
 *        stopped it), or {@code null}
 * @param attributes every attribute of the channel as it resolved at startup, by name: the value
 *        set in the configuration, else the value the connector derived (a queue, dead-letter queue
 *        or group named after something else), else the attribute's default
 */
public record ChannelInfo(String name, String direction, String model, String dataSource, boolean paused,
        String failure, Map<String, String> attributes) {
}
