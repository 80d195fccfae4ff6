package dev.pgmessaging.runtime.api;

import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Which messages of a queue an operation acts on: all of them, those with these ids, or those whose
 * headers contain these names and values (for example
 * {@code withHeaders(Map.of("dead-letter-exception-class-name", "java.net.SocketTimeoutException"))}).
 * Messages in flight are never taken: see {@link PostgresMessaging#redrive}.
 *
 * @param ids the ids, or {@code null} for any
 * @param headers the headers to match, or {@code null} for any
 */
public record MessageSelection(List<Long> ids, Map<String, String> headers) {

    public MessageSelection {
        ids = ids == null ? null : List.copyOf(ids);
        headers = headers == null ? null : Map.copyOf(headers);
    }

    public static MessageSelection all() {
        return new MessageSelection(null, null);
    }

    public static MessageSelection ids(long... ids) {
        return new MessageSelection(LongStream.of(ids).boxed().toList(), null);
    }

    public static MessageSelection ids(List<Long> ids) {
        return new MessageSelection(ids, null);
    }

    public static MessageSelection withHeaders(Map<String, String> headers) {
        return new MessageSelection(null, headers);
    }
}
