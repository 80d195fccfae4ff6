package dev.pgmessaging.runtime.api;

import java.time.Duration;
import java.util.List;

/**
 * A topic ({@link PostgresMessaging#topics}).
 *
 * @param retention how long its records are kept, or {@code null} for ever
 * @param groups the consumer groups that have offsets on it
 */
public record TopicInfo(String name, int partitions, Duration retention, List<String> groups) {
}
