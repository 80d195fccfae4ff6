package dev.pgmessaging.runtime.log.commit;

/** {@code throttled}: the offset before which every record was acked, every {@code commit-interval}. */
final class ThrottledCommit implements CommitStrategy {

    @Override
    public boolean commitsOnAck() {
        return false;
    }

    @Override
    public String toString() {
        return "throttled";
    }
}
