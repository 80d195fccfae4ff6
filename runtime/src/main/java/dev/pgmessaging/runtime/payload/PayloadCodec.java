package dev.pgmessaging.runtime.payload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Turns payloads into stored bytes plus a content type, and back. Strings, numbers and booleans
 * are stored as text, {@code byte[]} as is, and everything else as JSON (Vert.x JSON types
 * directly, other objects through the application's Jackson {@link ObjectMapper}).
 */
public final class PayloadCodec {

    public static final String TEXT = "text/plain";
    public static final String JSON = "application/json";
    public static final String BINARY = "application/octet-stream";
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    private final ObjectMapper mapper;

    public PayloadCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public record Encoded(String contentType, byte[] bytes) {
    }

    public Encoded encode(Object payload) {
        if (payload == null) {
            return new Encoded(null, null);
        }
        if (payload instanceof byte[] bytes) {
            return new Encoded(BINARY, bytes);
        }
        if (payload instanceof CharSequence || payload instanceof Number || payload instanceof Boolean
                || payload instanceof Character) {
            return new Encoded(TEXT, payload.toString().getBytes(StandardCharsets.UTF_8));
        }
        if (payload instanceof JsonObject json) {
            return new Encoded(JSON, json.toBuffer().getBytes());
        }
        if (payload instanceof JsonArray json) {
            return new Encoded(JSON, json.toBuffer().getBytes());
        }
        try {
            return new Encoded(JSON, mapper.writeValueAsBytes(payload));
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot write a " + payload.getClass().getName() + " payload as JSON: "
                    + e.getMessage(), e);
        }
    }

    /**
     * @param payloadType the channel's payload type, or {@code null} to decide from the content type
     * @throws IllegalArgumentException when the bytes cannot be read as that type
     */
    public Object decode(byte[] bytes, String contentType, PayloadType payloadType) {
        if (bytes == null) {
            return null;
        }
        Class<?> type = payloadType == null ? defaultType(contentType) : payloadType.rawClass();
        try {
            if (type == byte[].class) {
                return bytes;
            }
            if (type == String.class || type == CharSequence.class) {
                return text(bytes);
            }
            if (type == JsonObject.class) {
                return new JsonObject(Buffer.buffer(bytes));
            }
            if (type == JsonArray.class) {
                return new JsonArray(Buffer.buffer(bytes));
            }
            Object scalar = Scalars.parse(type, text(bytes));
            if (scalar != null) {
                return scalar;
            }
            return payloadType == null ? mapper.readValue(bytes, type) : mapper.readValue(bytes, payloadType.javaType());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot read the payload (content type " + contentType + ") as "
                    + (payloadType == null ? type.getName() : payloadType.javaType().toCanonical()) + ": " + e.getMessage(), e);
        }
    }

    public String encodeHeaders(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return null;
        }
        try {
            return mapper.writeValueAsString(headers);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot write headers as JSON: " + e.getMessage(), e);
        }
    }

    public Map<String, String> decodeHeaders(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return mapper.readValue(json, HEADERS);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read message headers: " + e.getMessage(), e);
        }
    }

    private static Class<?> defaultType(String contentType) {
        if (contentType == null || contentType.startsWith(BINARY)) {
            return byte[].class;
        }
        return String.class;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
