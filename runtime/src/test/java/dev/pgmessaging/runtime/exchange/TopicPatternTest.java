package dev.pgmessaging.runtime.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Binding keys against routing keys, with the regular expressions matched here the way the publish
 * statement matches them (these expressions mean the same in Java and PostgreSQL).
 */
class TopicPatternTest {

    @Test
    void aStarIsOneWordAndAHashAnyNumber() {
        assertMatches("orders.*", "orders.eu", true);
        assertMatches("orders.*", "orders", false);
        assertMatches("orders.*", "orders.eu.paris", false);
        assertMatches("orders.*", "orders.", true); // one empty word
        assertMatches("orders.#", "orders", true);
        assertMatches("orders.#", "orders.eu.paris", true);
        assertMatches("#", "", true);
        assertMatches("#", "a.b.c", true);
        assertMatches("*", "", false);
        assertMatches("#.paris", "orders.eu.paris", true);
        assertMatches("#.paris", "orders.eu.lyon", false);
        assertMatches("*.eu.*", "orders.eu.paris", true);
    }

    @Test
    void everythingElseIsLiteral() {
        assertMatches("a+b.c", "a+b.c", true);
        assertMatches("a+b.c", "aab.c", false);
        assertMatches("a\\b", "a\\b", true);
        assertMatches("x(y)", "x(y)", true);
        assertMatches("", "", true);
        assertMatches("", "a", false);
    }

    /** The statement writes a routing key as '.' before each word, nothing for no words. */
    private static void assertMatches(String bindingKey, String routingKey, boolean matches) {
        String written = routingKey.isEmpty() ? "" : "." + routingKey;
        assertEquals(matches, Pattern.compile(TopicPattern.compile(bindingKey)).matcher(written).matches(),
                bindingKey + " against " + routingKey);
    }
}
