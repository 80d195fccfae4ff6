package dev.pgmessaging.runtime.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConfigurationProblemsTest {

    @Test
    void everyProblemOfAChannelIsInOneMessage() {
        ConfigurationProblems problems = new ConfigurationProblems("incoming", "orders");
        problems.add("visibility-timeout", "soon", "it must be a positive duration");
        problems.add("claim-size", 0, "it must be between 1 and 10000");
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, problems::throwIfAny);
        assertEquals("PGMSG1000: Invalid channel configuration:"
                + " mp.messaging.incoming.orders.visibility-timeout=soon: it must be a positive duration;"
                + " mp.messaging.incoming.orders.claim-size=0: it must be between 1 and 10000", failure.getMessage());
    }

    @Test
    void noProblemNoFailure() {
        ConfigurationProblems problems = new ConfigurationProblems("outgoing", "orders");
        assertFalse(problems.any());
        problems.throwIfAny();
    }

    @Test
    void oneProblemFoundOnItsOwnHasTheSameShape() {
        assertEquals("PGMSG1000: Invalid channel configuration: mp.messaging.outgoing.out.partitions=4: topic 'out'"
                + " exists with 8 partitions", ConfigurationProblems.of("outgoing", "out", "partitions", 4,
                        "topic 'out' exists with 8 partitions").getMessage());
    }
}
