package dev.pgmessaging.runtime.log.commit;

/**
 * When a topic channel's thread commits the offsets of acked records, chosen with the channel
 * attribute {@code commit-strategy}, as in the Kafka connector. Whatever the strategy, a commit is
 * one statement for every partition the member owns, fenced by the partitions' epochs, and a
 * partition being given up is committed as soon as its records are acked. (With
 * {@code ack-in-transaction}, the handler's transaction commits its record's offset itself; the
 * strategy then only covers records acked without one.)
 */
public interface CommitStrategy {

    /** Every {@code commit-interval}: one statement for many acks. */
    CommitStrategy THROTTLED = new ThrottledCommit();
    /** After every ack: the group's offset follows the handler closely, at a statement per ack. */
    CommitStrategy LATEST = new LatestCommit();

    /** Whether an ack wakes the channel's thread to commit at once. */
    boolean commitsOnAck();

    /**
     * @param acked whether records were acked since the last commit
     * @param intervalElapsed whether {@code commit-interval} passed since the last commit
     * @return whether the channel's thread commits in this turn
     */
    default boolean due(boolean acked, boolean intervalElapsed) {
        return intervalElapsed || (acked && commitsOnAck());
    }

    /** @return the strategy named as in {@code commit-strategy}, or {@code null} */
    static CommitStrategy of(String name) {
        return switch (name) {
            case "throttled" -> THROTTLED;
            case "latest" -> LATEST;
            default -> null;
        };
    }
}
