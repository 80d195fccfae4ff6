package dev.pgmessaging.runtime.api;

import java.util.Map;

/**
 * A binding of a queue to an exchange.
 *
 * @param exchange the exchange
 * @param queue the queue that receives the matching messages
 * @param routingKey the binding key: the routing key (direct) or pattern (topic); {@code ""} for
 *        fanout and headers exchanges
 * @param headers the headers to match (headers exchanges), empty otherwise
 * @param matchAll whether all headers must match ({@code x-match=all}) or any one ({@code any})
 */
public record Binding(String exchange, String queue, String routingKey, Map<String, String> headers, boolean matchAll) {
}
