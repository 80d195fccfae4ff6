package dev.pgmessaging.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

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

    /**
     * Many threads send on the same emitters at once, each in its own transaction, half of which
     * roll back: exactly the messages of the committed transactions exist. (An emitter serializes
     * concurrent sends, so a message can reach the connector on another sender's thread: the
     * transaction must be taken from the sending thread, not the delivering one.)
     */
    @Test
    void concurrentTransactionsKeepTheirOwnMessages() throws Exception {
        int threads = 8;
        int perThread = 40;
        Set<String> committed = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String product = "race-" + thread + "-" + i;
                        boolean fail = ThreadLocalRandom.current().nextBoolean();
                        try {
                            if (i % 2 == 0) {
                                if (fail) {
                                    probe.placeAndFail(product);
                                } else {
                                    probe.placeAndCommit(product);
                                }
                            } else {
                                probe.placeWithMutiny(product, fail);
                            }
                            committed.add(product);
                        } catch (IllegalStateException expected) {
                            // rolled back
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : senders) {
                sender.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        Set<String> queued = probe.products();
        queued.removeIf(product -> !product.startsWith("race-"));
        assertEquals(committed, queued, "messages present must be exactly those of committed transactions");
        assertTrue(committed.size() > 0 && committed.size() < threads * perThread, "both outcomes happened");
    }

    private static long entities(String product) {
        return QuarkusTransaction.requiringNew().call(() -> PurchaseOrder.count("product", product));
    }
}
