package dev.pgmessaging.runtime.api;

/**
 * A {@link PostgresMessaging} operation named something that does not exist: a topic, a partition,
 * an exchange, a channel of this application, or a datasource that none of its channels uses. An
 * HTTP front answers it with 404, where other {@link IllegalArgumentException}s are bad requests.
 */
public class UnknownNameException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public UnknownNameException(String message) {
        super(message);
    }
}
