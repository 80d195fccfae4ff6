package dev.pgmessaging.runtime.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Record keys as bytes, written the way Kafka's standard serializers write them, so that a key is
 * hashed to the same partition here and in Kafka: a {@code String} or {@code UUID} as UTF-8 text,
 * {@code byte[]} as is, {@code Integer}, {@code Long}, {@code Short}, {@code Double} and
 * {@code Float} big-endian. Read back as the channel's {@code key-type}.
 */
public final class RecordKeys {

    private RecordKeys() {
    }

    public static byte[] serialize(Object key) {
        if (key == null) {
            return null;
        }
        if (key instanceof byte[] bytes) {
            return bytes;
        }
        if (key instanceof String || key instanceof UUID) {
            return key.toString().getBytes(StandardCharsets.UTF_8);
        }
        if (key instanceof Integer value) {
            return ByteBuffer.allocate(Integer.BYTES).putInt(value).array();
        }
        if (key instanceof Long value) {
            return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
        }
        if (key instanceof Short value) {
            return ByteBuffer.allocate(Short.BYTES).putShort(value).array();
        }
        if (key instanceof Double value) {
            return ByteBuffer.allocate(Double.BYTES).putDouble(value).array();
        }
        if (key instanceof Float value) {
            return ByteBuffer.allocate(Float.BYTES).putFloat(value).array();
        }
        throw new IllegalArgumentException("A record key must be a String, UUID, byte[], Integer, Long, Short, Double"
                + " or Float, not " + key.getClass().getName());
    }

    /**
     * @param type one of the types {@link #serialize} writes
     * @throws IllegalArgumentException when the bytes do not hold such a value
     */
    public static Object deserialize(byte[] bytes, Class<?> type) {
        if (bytes == null) {
            return null;
        }
        if (type == byte[].class) {
            return bytes;
        }
        if (type == String.class) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (type == UUID.class) {
            return UUID.fromString(new String(bytes, StandardCharsets.UTF_8));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int expected = type == Integer.class ? Integer.BYTES : type == Long.class ? Long.BYTES
                : type == Short.class ? Short.BYTES : type == Double.class ? Double.BYTES
                        : type == Float.class ? Float.BYTES : -1;
        if (expected < 0) {
            throw new IllegalArgumentException("unsupported key type " + type.getName());
        }
        if (bytes.length != expected) {
            throw new IllegalArgumentException("a " + type.getSimpleName() + " key has " + expected + " bytes, not "
                    + bytes.length);
        }
        return type == Integer.class ? buffer.getInt() : type == Long.class ? buffer.getLong()
                : type == Short.class ? (Object) buffer.getShort() : type == Double.class ? buffer.getDouble()
                        : buffer.getFloat();
    }

    /** The key types a channel can read, by the names {@code key-type} accepts. */
    public static Class<?> type(String name) {
        return switch (name) {
            case "java.lang.String", "String" -> String.class;
            case "byte[]", "[B" -> byte[].class;
            case "java.util.UUID", "UUID" -> UUID.class;
            case "java.lang.Integer", "Integer", "int" -> Integer.class;
            case "java.lang.Long", "Long", "long" -> Long.class;
            case "java.lang.Short", "Short", "short" -> Short.class;
            case "java.lang.Double", "Double", "double" -> Double.class;
            case "java.lang.Float", "Float", "float" -> Float.class;
            default -> null;
        };
    }
}
