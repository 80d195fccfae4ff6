package dev.pgmessaging.runtime.exchange;

/** What a producer does with a message that matches no binding of its exchange. */
public enum Unroutable {
    /** Acks the send, stores nothing, counts it and logs a warning. */
    DROP("drop"),
    /** Fails the send with {@link dev.pgmessaging.runtime.api.UnroutableMessageException}; nothing is stored. */
    FAIL("fail"),
    /** Sends it to the channel's {@code alternate-queue}. */
    ALTERNATE_QUEUE("alternate-queue");

    private final String id;

    Unroutable(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** @return the behaviour with this name, or {@code null} */
    public static Unroutable byId(String id) {
        for (Unroutable value : values()) {
            if (value.id.equals(id)) {
                return value;
            }
        }
        return null;
    }
}
