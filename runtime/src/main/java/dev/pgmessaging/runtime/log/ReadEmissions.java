package dev.pgmessaging.runtime.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JavaType;

import dev.pgmessaging.runtime.api.IncomingLogBatchMetadata;
import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import dev.pgmessaging.runtime.api.Record;
import dev.pgmessaging.runtime.channel.ContextEmitter.Pending;
import dev.pgmessaging.runtime.channel.SettleOnceMessage;
import dev.pgmessaging.runtime.log.LogStore.StoredRecord;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.payload.PayloadType;

/**
 * Turns the records of one read into what a topic channel emits: each record with its key and
 * value read and its metadata, or (batch channels) one message holding them all. A record that
 * cannot be read is nacked: a log cannot set it aside on its own, so the channel's failure strategy
 * decides.
 */
final class ReadEmissions {

    /** A record read, and its delivery. */
    record Read(Delivery delivery, StoredRecord record) {
    }

    private final LogConsumerSettings settings;
    private final PayloadCodec codec;
    private final LogSource source;
    /** Whether handlers take a {@code Record<K, V>}: the key and the value. */
    private final boolean recordPayload;
    /** The type of the record values, the {@code V} of a {@code Record<K, V>} payload type. */
    private final PayloadType valueType;

    ReadEmissions(LogConsumerSettings settings, PayloadCodec codec, LogSource source) {
        this.settings = settings;
        this.codec = codec;
        this.source = source;
        PayloadType payloadType = settings.payloadType();
        this.recordPayload = payloadType != null && payloadType.rawClass() == Record.class;
        JavaType value = recordPayload ? payloadType.javaType().containedType(1) : null;
        this.valueType = !recordPayload ? payloadType
                : value == null || value.getRawClass() == Object.class ? null : new PayloadType(value.getRawClass(), value);
    }

    List<Pending> of(List<Read> reads) {
        List<Decoded> decoded = new ArrayList<>(reads.size());
        for (Read read : reads) {
            Decoded one = decode(read.delivery(), read.record());
            if (one != null) {
                decoded.add(one);
            }
        }
        if (!settings.batch()) {
            return decoded.stream().map(one -> emission(one.payload(), one.metadata(), List.of(one.delivery()))).toList();
        }
        return decoded.isEmpty() ? List.of()
                : List.of(emission(decoded.stream().map(Decoded::payload).toList(),
                        new IncomingLogBatchMetadata(settings.topic(),
                                decoded.stream().<IncomingLogMetadata<?>> map(Decoded::metadata).toList()),
                        decoded.stream().map(Decoded::delivery).toList()));
    }

    private record Decoded(Object payload, IncomingLogMetadata<Object> metadata, Delivery delivery) {
    }

    /** Reads the record's key and payload; one that cannot be read is nacked ({@code null}). */
    private Decoded decode(Delivery delivery, StoredRecord record) {
        Object key;
        Object value;
        Map<String, String> headers;
        try {
            key = RecordKeys.deserialize(record.key(), settings.keyType());
            value = codec.decode(record.payload(), record.contentType(), valueType);
            headers = codec.decodeHeaders(record.headers());
        } catch (IllegalArgumentException e) {
            source.onNack(List.of(delivery), new IllegalArgumentException("Record " + settings.topic() + "-"
                    + record.partition() + "@" + record.offset() + " cannot be read: " + e.getMessage(), e));
            return null;
        }
        Object payload = recordPayload ? Record.of(key, value) : value;
        source.meters().delivered(record.timestamp());
        return new Decoded(payload, new IncomingLogMetadata<>(settings.topic(), record.partition(), record.offset(), key,
                record.timestamp(), headers, settings.groupId()), delivery);
    }

    /** A message to emit: a record, or the records of a batch channel's read. */
    private Pending emission(Object payload, Object metadata, List<Delivery> deliveries) {
        return new Pending(metadata, withContext -> new SettleOnceMessage<>(payload, withContext, deliveries, source,
                source.meters()));
    }
}
