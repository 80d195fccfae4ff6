package dev.pgmessaging.runtime.api;

/**
 * A payload that carries the record key with the value, for topic channels: an outgoing
 * {@code Record.of(key, value)} is appended with that key (hashed to choose its partition), and an
 * incoming channel whose method takes a {@code Record<K, V>} receives the key and the value. The
 * same shape as the Kafka connector's {@code Record}.
 *
 * @param <K> the type of the key
 * @param <V> the type of the value
 */
public final class Record<K, V> {

    private final K key;
    private final V value;

    private Record(K key, V value) {
        this.key = key;
        this.value = value;
    }

    public static <K, V> Record<K, V> of(K key, V value) {
        return new Record<>(key, value);
    }

    public K key() {
        return key;
    }

    public V value() {
        return value;
    }

    @Override
    public String toString() {
        return "Record[key=" + key + ", value=" + value + "]";
    }
}
