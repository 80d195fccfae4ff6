package dev.pgmessaging.runtime.log.fault;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

/** {@code ignore}: the failure is logged and the record committed, as if it had been processed. */
final class IgnoreFailure implements FailureStrategy {

    @Override
    public void onFailure(FailedRecords failed, Throwable reason) {
        LOG.failureIgnored(failed.channel(), "record " + failed.describe(), reason);
        failed.skip();
    }
}
