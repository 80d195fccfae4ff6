package dev.pgmessaging.it;

/** The message queued when an order is placed: a record, sent as JSON with no configuration. */
public record OrderPlaced(long orderId, String product, int quantity) {
}
