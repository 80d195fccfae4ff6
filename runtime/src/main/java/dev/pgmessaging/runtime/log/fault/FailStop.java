package dev.pgmessaging.runtime.log.fault;

/**
 * {@code fail} (the default, as in the Kafka connector): the first failure stops the channel; the
 * record is not committed, so no record is lost, and the channel reports itself unhealthy.
 */
final class FailStop implements FailureStrategy {

    @Override
    public void onFailure(FailedRecords failed, Throwable reason) {
        failed.stopChannel(reason);
    }
}
