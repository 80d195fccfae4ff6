package dev.pgmessaging.runtime.log.commit;

/** {@code latest}: the same offset, committed after every ack (and every {@code commit-interval}). */
final class LatestCommit implements CommitStrategy {

    @Override
    public boolean commitsOnAck() {
        return true;
    }

    @Override
    public String toString() {
        return "latest";
    }
}
