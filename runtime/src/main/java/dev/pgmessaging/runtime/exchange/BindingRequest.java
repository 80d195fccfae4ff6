package dev.pgmessaging.runtime.exchange;

import java.util.List;
import java.util.Map;

import dev.pgmessaging.runtime.api.Binding;

/**
 * A queue to bind to an exchange, as configured: the bindings it stands for depend on the type the
 * exchange turns out to have.
 *
 * @param exchange the exchange
 * @param queue the queue
 * @param routingKeys the binding keys, empty for the default: {@code #} (topic) or the queue name (direct)
 * @param headers the headers to match (headers exchanges)
 * @param matchAll whether all headers must match, or any one
 */
public record BindingRequest(String exchange, String queue, List<String> routingKeys, Map<String, String> headers,
        boolean matchAll) {

    public List<Binding> bindings(ExchangeType type) {
        return switch (type) {
            case FANOUT -> List.of(new Binding(exchange, queue, "", Map.of(), true));
            case HEADERS -> List.of(new Binding(exchange, queue, "", headers, matchAll));
            case DIRECT, TOPIC -> (routingKeys.isEmpty() ? List.of(type == ExchangeType.TOPIC ? "#" : queue) : routingKeys)
                    .stream().map(key -> new Binding(exchange, queue, key, Map.of(), true)).toList();
        };
    }
}
