package dev.pgmessaging.runtime.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Where to move a consumer group on a topic ({@link PostgresMessaging#seek}, or the {@code seek}
 * channel attribute): to the earliest record kept, after the latest, to an offset, or to the first
 * record appended at or after a time.
 */
public final class SeekTo {

    private final String kind;
    private final long offset;
    private final Instant time;

    private SeekTo(String kind, long offset, Instant time) {
        this.kind = kind;
        this.offset = offset;
        this.time = time;
    }

    public static SeekTo earliest() {
        return new SeekTo("earliest", 0, null);
    }

    public static SeekTo latest() {
        return new SeekTo("latest", 0, null);
    }

    /** An offset; one before the earliest record kept or past the latest is moved to that end. */
    public static SeekTo offset(long offset) {
        return new SeekTo("offset", offset, null);
    }

    /** The first record appended at or after this time (after the latest if none was). */
    public static SeekTo time(Instant time) {
        return new SeekTo("time", 0, time);
    }

    /**
     * Reads {@code earliest}, {@code latest}, an offset, or an ISO-8601 instant such as
     * {@code 2026-11-28T10:15:30Z}.
     *
     * @throws IllegalArgumentException when it is none of them
     */
    public static SeekTo parse(String value) {
        switch (value) {
            case "earliest":
                return earliest();
            case "latest":
                return latest();
            default:
                try {
                    return offset(Long.parseLong(value));
                } catch (NumberFormatException notAnOffset) {
                    try {
                        return time(Instant.parse(value));
                    } catch (DateTimeParseException notATime) {
                        throw new IllegalArgumentException(
                                "it must be earliest, latest, an offset or an ISO-8601 instant such as 2026-11-28T10:15:30Z");
                    }
                }
        }
    }

    /** {@code earliest}, {@code latest}, {@code offset} or {@code time}. */
    public String kind() {
        return kind;
    }

    public long offset() {
        return offset;
    }

    public Instant time() {
        return time;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case "offset" -> "offset " + offset;
            case "time" -> "time " + time;
            default -> kind;
        };
    }
}
