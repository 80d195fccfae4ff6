package dev.pgmessaging.runtime.exchange;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How an exchange picks the queues a message goes to, as in RabbitMQ. */
public enum ExchangeType {
    /** To the queues bound with the message's routing key. */
    DIRECT,
    /** To every bound queue. */
    FANOUT,
    /** To the queues whose binding key matches the routing key ({@code *} one word, {@code #} zero or more). */
    TOPIC,
    /** To the queues whose binding headers all (or any) equal the message's headers. */
    HEADERS;

    /** The name used in configuration and stored in the database. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the type with this name, or {@code null} */
    public static ExchangeType byId(String id) {
        return Arrays.stream(values()).filter(type -> type.id().equals(id)).findFirst().orElse(null);
    }

    public static String ids() {
        return Arrays.stream(values()).map(ExchangeType::id).collect(Collectors.joining(", "));
    }
}
