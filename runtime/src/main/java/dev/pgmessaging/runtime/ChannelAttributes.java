package dev.pgmessaging.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.microprofile.config.Config;

import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction;

/**
 * The attributes a channel resolved to at startup, for an operator to read: what its configuration
 * sets, what the connector derived where it was not set, and the declared default of the rest. Read
 * from the attribute declarations on {@link PostgresConnector}, so that a new attribute shows up here
 * without being listed twice. The defaults of attributes of the other model (a visibility timeout on a
 * topic channel) are left out.
 */
final class ChannelAttributes {

    /** How the declaration of an attribute that only topic channels read begins. */
    private static final String TOPIC_ONLY = "With `topic`";

    private ChannelAttributes() {
    }

    /**
     * @param derived values the connector chose for attributes that were not set (a queue named after
     *        its channel, say); a configured value wins over them
     */
    static Map<String, String> resolved(Config channelConfig, Direction direction, boolean topic,
            Map<String, String> derived) {
        Map<String, String> attributes = new TreeMap<>();
        for (ConnectorAttribute attribute : PostgresConnector.class.getAnnotationsByType(ConnectorAttribute.class)) {
            if (!appliesTo(attribute.direction(), direction)) {
                continue;
            }
            boolean otherModel = topic ? ChannelSettings.QUEUE_ONLY.contains(attribute.name())
                    : attribute.description().startsWith(TOPIC_ONLY);
            String value = channelConfig.getOptionalValue(attribute.name(), String.class)
                    .orElseGet(() -> derived.getOrDefault(attribute.name(), otherModel ? null : declaredDefault(attribute)));
            if (value != null) {
                attributes.put(attribute.name(), value);
            }
        }
        for (String name : channelConfig.getPropertyNames()) { // SmallRye's own: concurrency, pausable...
            if (!attributes.containsKey(name) && !name.contains(".")) {
                channelConfig.getOptionalValue(name, String.class).ifPresent(value -> attributes.put(name, value));
            }
        }
        return attributes;
    }

    /** Derived values as name, value pairs; a {@code null} value derives nothing. */
    static Map<String, String> derived(String... namesAndValues) {
        Map<String, String> derived = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                derived.put(namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return derived;
    }

    private static boolean appliesTo(Direction declared, Direction direction) {
        return declared == direction || declared == Direction.INCOMING_AND_OUTGOING;
    }

    private static String declaredDefault(ConnectorAttribute attribute) {
        return ConnectorAttribute.NO_VALUE.equals(attribute.defaultValue()) ? null : attribute.defaultValue();
    }
}
