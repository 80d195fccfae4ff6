package dev.pgmessaging.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A @Transactional consumer that persists with Panache: its entity and the ack commit together. A
 * failed attempt leaves no entity and the message comes back; a committed one is never delivered again.
 */
@QuarkusTest
@TestProfile(OwnSchema.ExactlyOnce.class)
class ExactlyOnceTest {

    @Inject
    ExactlyOnceProbe probe;
    @Inject
    javax.sql.DataSource dataSource;

    @Test
    void aFailedAttemptLeavesNoEntityAndTheMessageComesBack() {
        probe.send("flaky-tea");
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts("flaky-tea").equals(List.of(2)));
        await().atMost(Duration.ofSeconds(10)).until(this::queueIsEmpty);
        assertEquals(List.of(2), attempts("flaky-tea"), "only the second attempt's entity exists");
    }

    @Test
    void aCommittedMessageIsNeverDeliveredAgain() {
        probe.send("steady-coffee");
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts("steady-coffee").equals(List.of(1)));
        // the message went with the commit that persisted the entity
        await().atMost(Duration.ofSeconds(10)).until(this::queueIsEmpty);
        assertEquals(List.of(1), attempts("steady-coffee"));
    }

    private List<Integer> attempts(String product) {
        return QuarkusTransaction.requiringNew().call(() -> PurchaseOrder.<PurchaseOrder> list("product", product).stream()
                .map(order -> order.fulfilledOnAttempt).toList());
    }

    private boolean queueIsEmpty() throws Exception {
        try (var connection = dataSource.getConnection();
                var statement = connection.prepareStatement(
                        "SELECT count(*) FROM exactly_once_test.queue_message WHERE queue = 'exactly-once-probe'");
                var rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1) == 0;
        }
    }
}
