package dev.pgmessaging.runtime.api;

import java.time.Instant;
import java.util.Map;

/**
 * A message of a queue as an operator sees it ({@link PostgresMessaging#peek}): read without
 * leasing or locking it.
 *
 * @param id its id, kept when it is redriven
 * @param inFlight whether a consumer holds it now (leased, within its visibility timeout)
 * @param attempts how many times it was delivered
 * @param visibleAt when a consumer may take it (again)
 * @param expiresAt when its time to live runs out, or {@code null}
 * @param key its message key, or {@code null}
 * @param headers its headers (a dead letter's say why and where from)
 * @param payload its payload read as UTF-8 text, cut at the size the peek asked for
 * @param payloadSize the whole payload's size in bytes ({@code -1}: no payload)
 */
public record QueuedMessage(long id, String queue, boolean inFlight, int priority, int attempts, Instant enqueuedAt,
        Instant visibleAt, Instant expiresAt, String key, String contentType, Map<String, String> headers,
        String payload, int payloadSize) {

    /** Why it was dead-lettered (its {@code dead-letter-reason} header), or {@code null}. */
    public String lastError() {
        return headers.get("dead-letter-reason");
    }

    /** The queue it was dead-lettered from (its {@code dead-letter-queue} header), or {@code null}. */
    public String deadLetteredFrom() {
        return headers.get("dead-letter-queue");
    }
}
