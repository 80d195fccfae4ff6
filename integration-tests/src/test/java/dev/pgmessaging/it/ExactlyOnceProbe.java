package dev.pgmessaging.it;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;

/**
 * A transactional consumer that records each product it receives as a fulfilled order (Panache),
 * and fails its first attempt, after persisting, for products whose name starts with "flaky".
 */
@ApplicationScoped
public class ExactlyOnceProbe {

    @Inject
    @Channel("exactly-once-send")
    Emitter<String> send;

    public void send(String product) {
        send.send(product).toCompletableFuture().join();
    }

    @Incoming("exactly-once-probe")
    @Transactional
    void record(String product, IncomingQueueMetadata metadata) {
        PurchaseOrder order = new PurchaseOrder();
        order.product = product;
        order.quantity = 1;
        order.status = PurchaseOrder.Status.FULFILLED;
        order.placedAt = Instant.now();
        order.fulfilledAt = order.placedAt;
        order.fulfilledOnAttempt = metadata.attempt();
        order.persist();
        order.flush();
        if (product.startsWith("flaky") && metadata.attempt() == 1) {
            throw new IllegalStateException("refused on the first attempt, after persisting");
        }
    }
}
