package dev.pgmessaging.runtime.sql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named statements of one {@code .sql} resource. A statement starts at a line
 * {@code -- name: <operation>} and runs to the next such line; the {@code {schema}} placeholder
 * is replaced by the validated, quoted schema name. Keeping SQL in resources, one named
 * statement per operation, keeps runtime code free of ad-hoc SQL.
 */
public final class SqlStatements {

    public static final String RESOURCE_ROOT = "dev/pgmessaging/sql/";
    /** Every file of named statements (besides the migrations), for the native image. */
    public static final List<String> FILES = List.of("schema.sql", "queue_message.sql", "exchange.sql", "log_record.sql",
            "transaction.sql", "queue_operations.sql", "topic_operations.sql", "exchange_operations.sql");
    private static final String NAME_MARKER = "-- name:";

    private final String resource;
    private final Map<String, String> statements;

    private SqlStatements(String resource, Map<String, String> statements) {
        this.resource = resource;
        this.statements = statements;
    }

    public static SqlStatements load(String resource, String schema) {
        String text = readResource(RESOURCE_ROOT + resource).replace("{schema}", Identifiers.quotedSchema(schema));
        Map<String, String> statements = new LinkedHashMap<>();
        String name = null;
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.startsWith(NAME_MARKER)) {
                put(statements, name, body);
                name = line.substring(NAME_MARKER.length()).trim();
                body.setLength(0);
            } else if (name != null && !line.trim().startsWith("--")) {
                body.append(line).append('\n');
            }
        }
        put(statements, name, body);
        return new SqlStatements(resource, statements);
    }

    private static void put(Map<String, String> statements, String name, StringBuilder body) {
        if (name != null) {
            String sql = body.toString().trim();
            statements.put(name, sql.endsWith(";") ? sql.substring(0, sql.length() - 1) : sql);
        }
    }

    public String get(String name) {
        String sql = statements.get(name);
        if (sql == null) {
            throw new IllegalStateException("No statement named '" + name + "' in " + resource);
        }
        return sql;
    }

    public static String readResource(String path) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = SqlStatements.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read resource " + path, e);
        }
    }
}
