package dev.pgmessaging.runtime.log.fault;

/** The record, or the records of a batch, whose processing failed: what a strategy may do with them. */
public interface FailedRecords {

    String channel();

    /** The first record, for the log: {@code topic-partition@offset}. */
    String describe();

    /** Moves past them as if they had been processed: their offsets are committed. */
    void skip();

    /** Stops the channel for good; their offsets are not committed, so the group reads them again after a restart. */
    void stopChannel(Throwable reason);
}
