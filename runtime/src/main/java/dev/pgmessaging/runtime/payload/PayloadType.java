package dev.pgmessaging.runtime.payload;

import java.util.Map;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.type.TypeFactory;

/**
 * The type a channel reads its payloads as: a class, a primitive, {@code byte[]}, or a generic
 * type such as {@code java.util.List<com.acme.Order>} (read as JSON with its type arguments).
 *
 * @param rawClass the class of the payload
 * @param javaType the full type for Jackson
 */
public record PayloadType(Class<?> rawClass, JavaType javaType) {

    private static final Map<String, Class<?>> NAMED = Map.of(
            "byte[]", byte[].class, "[B", byte[].class,
            "int", int.class, "long", long.class, "short", short.class, "byte", byte.class,
            "double", double.class, "float", float.class, "boolean", boolean.class, "char", char.class);

    /**
     * @param name a class name, a primitive name, {@code byte[]}, or a canonical generic type
     * @throws IllegalArgumentException when a class cannot be loaded
     */
    public static PayloadType parse(String name, ClassLoader loader) {
        Class<?> named = NAMED.get(name);
        TypeFactory types = TypeFactory.defaultInstance().withClassLoader(loader);
        if (named != null) {
            return new PayloadType(named, types.constructType(named));
        }
        try {
            JavaType type = name.contains("<") ? types.constructFromCanonical(name)
                    : types.constructType(Class.forName(name, false, loader));
            return new PayloadType(type.getRawClass(), type);
        } catch (ClassNotFoundException | LinkageError | IllegalArgumentException e) {
            throw new IllegalArgumentException("no such type (" + e.getMessage() + ")", e);
        }
    }
}
