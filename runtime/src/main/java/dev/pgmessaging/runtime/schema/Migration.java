package dev.pgmessaging.runtime.schema;

import java.util.List;

import dev.pgmessaging.runtime.sql.Identifiers;
import dev.pgmessaging.runtime.sql.SqlStatements;

/** One numbered schema migration, kept as a {@code .sql} resource. */
public record Migration(int version, String description) {

    public static final String RESOURCE_DIRECTORY = SqlStatements.RESOURCE_ROOT + "migrations/";

    /** Every migration, in order. A released migration is never edited: add a new one. */
    public static final List<Migration> ALL = List.of(
            new Migration(1, "queues"),
            new Migration(2, "message_expiry"),
            new Migration(3, "exchanges"),
            new Migration(4, "ordered_by_key"),
            new Migration(5, "deduplication"),
            new Migration(6, "archive"),
            new Migration(7, "rotating_slots"),
            new Migration(8, "log"),
            new Migration(9, "stable_plans"),
            new Migration(10, "rotation_lock_waits"),
            new Migration(11, "cheaper_appends"),
            new Migration(12, "claim_floor"),
            new Migration(13, "record_batches"),
            new Migration(14, "cached_offset_lookups"),
            new Migration(15, "least_privilege"));

    public String file() {
        return "V" + version + "__" + description + ".sql";
    }

    public String script(String schema) {
        // {schema} is the quoted identifier; {schema_name} the bare name, for format('%I', ...) in functions
        return SqlStatements.readResource(RESOURCE_DIRECTORY + file()).replace("{schema}", Identifiers.quotedSchema(schema))
                .replace("{schema_name}", Identifiers.validateSchema(schema));
    }
}
