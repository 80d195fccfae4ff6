package dev.pgmessaging.runtime.exchange;

/**
 * Where an outgoing channel publishes when it sends through an exchange.
 *
 * @param exchange the exchange
 * @param routingKey the routing key of messages whose metadata sets none
 * @param unroutable what happens to a message that matches no binding
 * @param alternateQueue where unroutable messages go with {@link Unroutable#ALTERNATE_QUEUE}, else {@code null}
 */
public record ExchangeRoute(String exchange, String routingKey, Unroutable unroutable, String alternateQueue) {
}
