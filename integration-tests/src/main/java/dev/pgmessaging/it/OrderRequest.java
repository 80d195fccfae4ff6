package dev.pgmessaging.it;

/** The body of {@code POST /orders}. */
public record OrderRequest(String product, int quantity) {
}
