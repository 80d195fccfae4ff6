package dev.pgmessaging.runtime.queue;

import java.util.List;
import java.util.Objects;

/**
 * Where the next claim of a channel ordered by key starts looking for keys: the claims visit the
 * keys in order from the cursor, moved past the keys just claimed, so that every key gets its turn
 * whatever the number of keys. Used by the channel's thread only.
 */
final class KeyCursor {

    /** {@code ""}: the first key. */
    private String key = "";

    String key() {
        return key;
    }

    /** Moves past the greatest key of a claim. */
    void advance(List<ClaimedMessage> claimed) {
        claimed.stream().map(ClaimedMessage::key).filter(Objects::nonNull).max(String::compareTo)
                .ifPresent(last -> key = last);
    }

    /**
     * The keys after the cursor are done: the next claim starts again from the first key.
     *
     * @return whether the cursor was elsewhere (there may be more to claim from the start)
     */
    boolean restart() {
        boolean moved = !key.isEmpty();
        key = "";
        return moved;
    }
}
