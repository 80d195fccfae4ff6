package dev.pgmessaging.runtime.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.pgmessaging.runtime.api.IncomingQueueBatchMetadata;
import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.channel.ContextEmitter.Pending;
import dev.pgmessaging.runtime.channel.SettleOnceMessage;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.payload.PayloadType;

/**
 * Turns the messages of a claim into what a queue channel emits: each message with its payload
 * read and its metadata, or (batch channels) one message holding them all. A payload that cannot be
 * read goes straight to the dead-letter queue: no retry can make its bytes readable. The others'
 * leases are held from here on.
 */
final class ClaimEmissions {

    private final String queue;
    private final PayloadType payloadType;
    private final PayloadCodec codec;
    private final Settlements settlements;
    private final Leases leases;
    private final QueueSource source;

    ClaimEmissions(String queue, PayloadType payloadType, PayloadCodec codec, Settlements settlements, Leases leases,
            QueueSource source) {
        this.queue = queue;
        this.payloadType = payloadType;
        this.codec = codec;
        this.settlements = settlements;
        this.leases = leases;
        this.source = source;
    }

    /** The readable messages of one claim, one by one. */
    List<Pending> each(List<ClaimedMessage> claimed) {
        List<Pending> emissions = new ArrayList<>(claimed.size());
        for (ClaimedMessage message : claimed) {
            Decoded decoded = decode(message);
            if (decoded != null) {
                emissions.add(emission(decoded.payload(), decoded.metadata(), List.of(message)));
            }
        }
        return emissions;
    }

    /** The readable messages of one claim as one message whose payload is the list of theirs (none if none is). */
    List<Pending> batch(List<ClaimedMessage> claimed) {
        List<Object> payloads = new ArrayList<>(claimed.size());
        List<IncomingQueueMetadata> metadata = new ArrayList<>(claimed.size());
        List<ClaimedMessage> readable = new ArrayList<>(claimed.size());
        for (ClaimedMessage message : claimed) {
            Decoded decoded = decode(message);
            if (decoded != null) {
                payloads.add(decoded.payload());
                metadata.add(decoded.metadata());
                readable.add(message);
            }
        }
        return readable.isEmpty() ? List.of()
                : List.of(emission(payloads, new IncomingQueueBatchMetadata(queue, metadata), readable));
    }

    private record Decoded(Object payload, IncomingQueueMetadata metadata) {
    }

    /** Reads the payload; {@code null} when it cannot be read (the message is dead-lettered). */
    private Decoded decode(ClaimedMessage claimed) {
        Object payload;
        Map<String, String> headers;
        try {
            payload = codec.decode(claimed.payload(), claimed.contentType(), payloadType);
            headers = codec.decodeHeaders(claimed.headers());
        } catch (IllegalArgumentException e) {
            settlements.deadLetter(claimed, e);
            return null;
        }
        leases.hold(claimed);
        source.meters().delivered(claimed.enqueuedAt());
        return new Decoded(payload, new IncomingQueueMetadata(queue, claimed.id(), claimed.attempt(), headers,
                claimed.enqueuedAt(), claimed.key(), claimed.contentType(), claimed.exchange(), claimed.routingKey()));
    }

    private Pending emission(Object payload, Object metadata, List<ClaimedMessage> claimed) {
        return new Pending(metadata, withContext -> new SettleOnceMessage<>(payload, withContext, claimed, source,
                source.meters()));
    }
}
