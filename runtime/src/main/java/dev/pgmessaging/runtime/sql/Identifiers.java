package dev.pgmessaging.runtime.sql;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import dev.pgmessaging.runtime.logging.PostgresExceptions;

/**
 * Validation of the names that reach SQL, either as identifiers (schema) or as values that we
 * want to keep readable in logs, NOTIFY payloads and admin tools (queue and exchange names).
 */
public final class Identifiers {

    // Lower case only, so the quoted and the unquoted spelling name the same schema.
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]*");
    // Dots and dashes allowed so that "orders.dlq" or "billing-events" read naturally.
    private static final Pattern QUEUE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");
    // PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes; a silently truncated
    // name could collide with another one, so longer names are refused instead.
    private static final int MAX_IDENTIFIER_BYTES = 63;
    // NOTIFY payloads carry queue names and must stay below 8000 bytes; 200 is plenty.
    private static final int MAX_QUEUE_NAME_LENGTH = 200;

    private Identifiers() {
    }

    /** @return the schema name quoted for use as an identifier */
    public static String quotedSchema(String schema) {
        return "\"" + validateSchema(schema) + "\"";
    }

    public static String validateSchema(String schema) {
        if (schema == null || !SCHEMA.matcher(schema).matches()
                || schema.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
            throw PostgresExceptions.EX.invalidSchemaName(schema, MAX_IDENTIFIER_BYTES);
        }
        return schema;
    }

    /** @return the reason the queue name is invalid, or {@code null} if it is valid */
    public static String queueNameProblem(String queue) {
        return nameProblem("a queue name", queue);
    }

    /** @return the reason the exchange name is invalid, or {@code null} if it is valid (same rules as queues) */
    public static String exchangeNameProblem(String exchange) {
        return nameProblem("an exchange name", exchange);
    }

    private static String nameProblem(String what, String name) {
        if (name == null || name.isEmpty()) {
            return what + " must not be empty";
        }
        if (name.length() > MAX_QUEUE_NAME_LENGTH) {
            return what + " must not be longer than " + MAX_QUEUE_NAME_LENGTH + " characters";
        }
        if (!QUEUE.matcher(name).matches()) {
            return what + " may only contain letters, digits, '_', '.' and '-', and must not start with '.' or '-'";
        }
        return null;
    }
}
