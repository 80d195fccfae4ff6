package dev.pgmessaging.deployment.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.PartitionLag;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Transactional outbox on a topic: records sent inside a transaction are appended in it, visible
 * once it commits, and gone with it when it rolls back (no offset is used up either).
 */
class LogOutboxTest {

    static final String SCHEMA = "log_outbox_test";

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Orders.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.orders.topic", "orders");

    @Inject
    Orders orders;
    @Inject
    PostgresMessaging messaging;

    @Test
    void recordsCommitAndRollBackWithTheTransaction() {
        orders.place("committed-1", "committed-2");
        assertEquals(2, logEnd(), "written in the transaction, visible once it committed");
        assertThrows(IllegalStateException.class, () -> orders.placeThenFail("rolled-back"));
        assertEquals(2, logEnd(), "the rolled-back record is not in the log");
        orders.place("committed-3");
        assertEquals(3, logEnd(), "and its offset was not used up: offsets stay dense");
    }

    private long logEnd() {
        return messaging.lag("nobody", "orders").stream().mapToLong(PartitionLag::logEndOffset).sum();
    }

    @ApplicationScoped
    static class Orders {
        @Inject
        @Channel("orders")
        Emitter<String> emitter;

        @Transactional
        void place(String... orders) {
            for (String order : orders) {
                emitter.send(order);
            }
        }

        @Transactional
        void placeThenFail(String order) {
            emitter.send(order);
            throw new IllegalStateException("refused after sending");
        }
    }
}
