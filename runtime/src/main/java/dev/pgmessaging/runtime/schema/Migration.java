package dev.pgmessaging.runtime.schema;

import java.util.List;

import dev.pgmessaging.runtime.sql.Identifiers;
import dev.pgmessaging.runtime.sql.SqlStatements;

/** One numbered schema migration, kept as a {@code .sql} resource. */
public record Migration(int version, String description) {

    public static final String RESOURCE_DIRECTORY = SqlStatements.RESOURCE_ROOT + "migrations/";

    /**
     * Every migration, in order. V1 is the baseline: the whole schema, which folds in the fifteen
     * migrations of the development before the first release (scripts/schema-compare.sh compares it
     * with them). The rule for later changes: a migration, the baseline included, is never edited
     * once released; a schema change is a new migration (V2, V3, ...) added here, and the same change
     * regenerates the snapshot of the schema the migrations create,
     * docs/modules/ROOT/examples/schema.sql, with scripts/schema-snapshot.sh, so
     * that the change shows in review as a diff of the schema; scripts/schema-snapshot.sh --check
     * fails while the snapshot and the migrations disagree.
     */
    public static final List<Migration> ALL = List.of(
            new Migration(1, "baseline"),
            new Migration(2, "operations"),
            new Migration(3, "gauges"),
            new Migration(4, "metrics"));

    public String file() {
        return "V" + version + "__" + description + ".sql";
    }

    public String script(String schema) {
        // {schema} is the quoted identifier; {schema_name} the bare name, for format('%I', ...) in functions
        return SqlStatements.readResource(RESOURCE_DIRECTORY + file()).replace("{schema}", Identifiers.quotedSchema(schema))
                .replace("{schema_name}", Identifiers.validateSchema(schema));
    }
}
