package dev.pgmessaging.runtime.payload;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.function.Function;

/** Text forms of primitives, their boxes and the big numbers. */
final class Scalars {

    private static final Map<Class<?>, Function<String, Object>> PARSERS = Map.ofEntries(
            Map.entry(Integer.class, Integer::valueOf), Map.entry(int.class, Integer::valueOf),
            Map.entry(Long.class, Long::valueOf), Map.entry(long.class, Long::valueOf),
            Map.entry(Short.class, Short::valueOf), Map.entry(short.class, Short::valueOf),
            Map.entry(Byte.class, Byte::valueOf), Map.entry(byte.class, Byte::valueOf),
            Map.entry(Double.class, Double::valueOf), Map.entry(double.class, Double::valueOf),
            Map.entry(Float.class, Float::valueOf), Map.entry(float.class, Float::valueOf),
            Map.entry(Boolean.class, Scalars::strictBoolean), Map.entry(boolean.class, Scalars::strictBoolean),
            Map.entry(Character.class, Scalars::character), Map.entry(char.class, Scalars::character),
            Map.entry(BigDecimal.class, BigDecimal::new), Map.entry(BigInteger.class, BigInteger::new));

    private Scalars() {
    }

    /** @return the parsed value, or {@code null} if the type is not a scalar */
    static Object parse(Class<?> type, String text) {
        Function<String, Object> parser = PARSERS.get(type);
        if (parser == null) {
            return null;
        }
        return parser.apply(type == char.class || type == Character.class ? text : text.trim());
    }

    private static Object strictBoolean(String text) {
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.valueOf(text);
        }
        throw new IllegalArgumentException("not a boolean: " + text);
    }

    private static Object character(String text) {
        if (text.length() != 1) {
            throw new IllegalArgumentException("not a single character: " + text);
        }
        return text.charAt(0);
    }
}
