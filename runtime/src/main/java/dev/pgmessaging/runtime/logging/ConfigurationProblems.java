package dev.pgmessaging.runtime.logging;

import java.util.ArrayList;
import java.util.List;

/**
 * What is wrong with the attributes of one channel, gathered so that a user fixes them all after
 * one failed start rather than one per restart; each names the property, its value and why.
 */
public final class ConfigurationProblems {

    private final String prefix;
    private final List<String> problems = new ArrayList<>();

    /** @param direction {@code incoming} or {@code outgoing} */
    public ConfigurationProblems(String direction, String channel) {
        this.prefix = "mp.messaging." + direction + "." + channel + ".";
    }

    /** Records a problem; the value read stays unusable, so the caller goes on with a placeholder. */
    public void add(String property, Object value, String reason) {
        problems.add(prefix + property + "=" + value + ": " + reason);
    }

    public boolean any() {
        return !problems.isEmpty();
    }

    /** @throws IllegalArgumentException naming every problem recorded, if any */
    public void throwIfAny() {
        if (any()) {
            throw exception(problems);
        }
    }

    /** The exception for one problem found on its own (for example, in the database at startup). */
    public static IllegalArgumentException of(String direction, String channel, String property, Object value,
            String reason) {
        ConfigurationProblems one = new ConfigurationProblems(direction, channel);
        one.add(property, value, reason);
        return exception(one.problems);
    }

    private static IllegalArgumentException exception(List<String> problems) {
        return PostgresExceptions.EX.invalidChannelConfiguration(String.join("; ", problems));
    }
}
