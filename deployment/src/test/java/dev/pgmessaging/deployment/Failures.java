package dev.pgmessaging.deployment;

import static org.junit.jupiter.api.Assertions.fail;

/** Checks that a startup failure explains itself somewhere in its cause chain. */
public final class Failures {

    private Failures() {
    }

    public static void assertMentions(Throwable failure, String... fragments) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            boolean all = true;
            for (String fragment : fragments) {
                all &= message.contains(fragment);
            }
            if (all) {
                return;
            }
        }
        failure.printStackTrace();
        fail("no cause of " + failure + " mentions all of " + String.join(", ", fragments));
    }
}
