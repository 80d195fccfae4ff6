package dev.pgmessaging.runtime.queue;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.sql.SQLException;

/**
 * Runs a statement on leased or claimable rows again if it met a row that the slot rotation moved
 * to another slot meanwhile: the statement fails as a serialization failure then, and finds the row
 * in its new slot the next time.
 */
final class MovedRows {

    /** How many times such a statement is tried in all. */
    private static final int ATTEMPTS = 3;
    /** SQLSTATE serialization_failure: what a statement gets for a row moved to another slot under it. */
    private static final String SERIALIZATION_FAILURE = "40001";

    @FunctionalInterface
    interface Call<T> {
        T run() throws SQLException;
    }

    private MovedRows() {
    }

    static <T> T retry(Call<T> call) throws SQLException {
        for (int attempt = 1;; attempt++) {
            try {
                return call.run();
            } catch (SQLException e) {
                if (!SERIALIZATION_FAILURE.equals(e.getSQLState()) || attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.debugf("Trying again a statement that met a row moved to another slot: %s", e.getMessage());
            }
        }
    }
}
