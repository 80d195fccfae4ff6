package dev.pgmessaging.runtime.log;

import java.lang.reflect.Type;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Message;

import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import io.smallrye.reactive.messaging.keyed.KeyValueExtractor;

/**
 * Lets a method that takes a {@code KeyedMulti<K, V>} group the records of a topic channel by their
 * key, as with the Kafka connector: the key is the record's ({@link IncomingLogMetadata#getKey()}),
 * the value its payload.
 */
@ApplicationScoped
public class LogKeyValueExtractor implements KeyValueExtractor {

    @Override
    public boolean canExtract(Message<?> first, Type keyType, Type valueType) {
        return first.getMetadata(IncomingLogMetadata.class).isPresent();
    }

    @Override
    public Object extractKey(Message<?> message, Type keyType) {
        return message.getMetadata(IncomingLogMetadata.class).map(IncomingLogMetadata::getKey).orElse(null);
    }

    @Override
    public Object extractValue(Message<?> message, Type valueType) {
        return message.getPayload();
    }
}
