package dev.pgmessaging.runtime.outbox;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.sink.BatchingSink;

/**
 * Writes the messages that emitters of {@code postgres} channels send inside a JTA transaction
 * in that transaction (transactional outbox).
 * <p>
 * This happens in the emitter's {@code send}, on the sending thread, and nowhere later: the
 * emitter serializes concurrent sends, so the thread that finally delivers a message to the
 * connector may be another sender's, in another transaction or in none.
 */
@ApplicationScoped
public class TransactionalOutbox {

    private final Map<String, BatchingSink<?>> sinks = new ConcurrentHashMap<>();

    /** Called by the connector for each outgoing channel it creates. */
    public void register(BatchingSink<?> sink) {
        sinks.put(sink.channel(), sink);
    }

    /**
     * @return {@code true} if the message was handled here: written in the calling thread's
     *         transaction and acked, or nacked if it could not be written; {@code false} if there
     *         is no transaction or the channel is not a {@code postgres} channel
     */
    boolean sendInTransaction(String channel, Message<?> message) {
        BatchingSink<?> sink = sinks.get(channel);
        return sink != null && sink.sendInTransaction(message);
    }
}
