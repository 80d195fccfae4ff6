package dev.pgmessaging.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The configuration of the idle scenario's channels, too many to write out: one producer
 * (bench-out) publishing through a direct exchange, and {@value #QUEUES} consumers (idle-0 ...),
 * each on its own queue bound with its own routing key. Only the queue connectors take part
 * (profiles pgqueue-idle and rabbitmq-idle): the scenario measures what idle queue consumers cost.
 */
public class IdleChannels implements ConfigSource {

    static final int QUEUES = 200;
    private final Map<String, String> properties = new HashMap<>();

    public IdleChannels() {
        String exchange = "idle-${bench.run}";
        put("pgqueue-idle", "outgoing.bench-out", Map.of("connector", "postgres", "exchange", exchange,
                "exchange-type", "direct"));
        put("rabbitmq-idle", "outgoing.bench-out", Map.of("connector", "smallrye-rabbitmq", "exchange.name", exchange,
                "exchange.type", "direct", "exchange.durable", "true", "publish-confirms", "true"));
        for (int i = 0; i < QUEUES; i++) {
            String key = routingKey(i);
            put("pgqueue-idle", "incoming." + key, Map.of("connector", "postgres", "queue", exchange + "-" + i,
                    "exchange", exchange, "exchange-type", "direct", "routing-keys", key));
            put("rabbitmq-idle", "incoming." + key, Map.of("connector", "smallrye-rabbitmq", "exchange.name", exchange,
                    "exchange.type", "direct", "queue.name", exchange + "-" + i, "queue.durable", "true",
                    "routing-keys", key));
        }
    }

    /** The routing key, and the channel name, of queue {@code i}. */
    static String routingKey(int i) {
        return "idle-" + i;
    }

    private void put(String profile, String channel, Map<String, String> attributes) {
        attributes.forEach((name, value) -> properties.put("%" + profile + ".mp.messaging." + channel + "." + name, value));
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "bench-idle-channels";
    }

    @Override
    public int getOrdinal() {
        return 240; // below application.properties (250), so that it can override a channel if it must
    }
}
