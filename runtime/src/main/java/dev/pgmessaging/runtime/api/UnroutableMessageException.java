package dev.pgmessaging.runtime.api;

/** The failure of a send whose message matched no binding of the exchange ({@code unroutable=fail}). */
public class UnroutableMessageException extends RuntimeException {

    public UnroutableMessageException(String exchange, String routingKey) {
        super("The message matched no binding of exchange '" + exchange + "' (routing key '" + routingKey + "')");
    }
}
