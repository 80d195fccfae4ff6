package dev.pgmessaging.runtime.log.fault;

/**
 * What a topic channel does with a record whose processing failed (it was nacked, or cannot be
 * read), chosen with the channel attribute {@code failure-strategy}. A log cannot set one record
 * aside as a queue can: the partition either moves past it or stops. (A record whose handler
 * failed because the database did is not a failure of the record: it is read again, whatever the
 * strategy.)
 */
public interface FailureStrategy {

    /** The strategy names, as written in {@code failure-strategy}. */
    String FAIL = "fail";
    String IGNORE = "ignore";

    void onFailure(FailedRecords failed, Throwable reason);

    /** @return the strategy, or {@code null} for a name a topic channel does not take */
    static FailureStrategy of(String name) {
        return switch (name) {
            case FAIL -> new FailStop();
            case IGNORE -> new IgnoreFailure();
            default -> null;
        };
    }
}
