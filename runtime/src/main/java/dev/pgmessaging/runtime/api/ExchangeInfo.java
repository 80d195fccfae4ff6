package dev.pgmessaging.runtime.api;

import java.util.List;

/**
 * An exchange and its bindings ({@link PostgresMessaging#exchanges}).
 *
 * @param type {@code direct}, {@code fanout}, {@code topic} or {@code headers}
 */
public record ExchangeInfo(String name, String type, List<Binding> bindings) {
}
