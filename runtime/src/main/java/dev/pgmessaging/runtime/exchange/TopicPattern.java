package dev.pgmessaging.runtime.exchange;

/**
 * Compiles a topic binding key to the regular expression the publish statement matches routing
 * keys against.
 * <p>
 * Keys are words separated by dots; an empty key has no words, and {@code "a..b"} has an empty
 * middle word. In a binding key, {@code *} matches exactly one word (possibly empty) and
 * {@code #} zero or more. The statement writes a routing key as {@code '.'} followed by each
 * word ({@code ""} for none), so every word of the binding key becomes one
 * {@code \.word} group and {@code #} can swallow whole groups, separators included.
 */
public final class TopicPattern {

    private TopicPattern() {
    }

    /** @return an anchored PostgreSQL regular expression */
    public static String compile(String bindingKey) {
        StringBuilder regex = new StringBuilder("^");
        if (!bindingKey.isEmpty()) {
            for (String word : bindingKey.split("\\.", -1)) {
                switch (word) {
                    case "#" -> regex.append("(\\.[^.]*)*");
                    case "*" -> regex.append("\\.[^.]*");
                    default -> regex.append("\\.").append(literal(word));
                }
            }
        }
        return regex.append('$').toString();
    }

    /** Escapes every character that is not a letter or digit: a backslash before those is literal. */
    private static String literal(String word) {
        StringBuilder quoted = new StringBuilder(word.length());
        word.codePoints().forEach(c -> {
            if (!Character.isLetterOrDigit(c)) {
                quoted.append('\\');
            }
            quoted.appendCodePoint(c);
        });
        return quoted.toString();
    }
}
