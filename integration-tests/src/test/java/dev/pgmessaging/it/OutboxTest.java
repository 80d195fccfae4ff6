package dev.pgmessaging.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Emitter.send in a @Transactional method commits and rolls back with the entities of that transaction. */
@QuarkusTest
@TestProfile(OwnSchema.Outbox.class)
class OutboxTest {

    @Inject
    OutboxProbe probe;

    @Test
    void committedTransactionMakesEntityAndMessageVisible() {
        long seenBeforeCommit = probe.placeAndCommit("tea");
        assertEquals(0, seenBeforeCommit, "the message was visible before the transaction committed");
        assertEquals(1, probe.count("tea"), "message after commit");
        assertEquals(1, entities("tea"), "entity after commit");
    }

    @Test
    void rolledBackTransactionLeavesNeitherEntityNorMessage() {
        assertThrows(IllegalStateException.class, () -> probe.placeAndFail("poison"));
        assertEquals(0, probe.count("poison"), "message after rollback");
        assertEquals(0, entities("poison"), "entity after rollback");
    }

    private static long entities(String product) {
        return QuarkusTransaction.requiringNew().call(() -> PurchaseOrder.count("product", product));
    }
}
