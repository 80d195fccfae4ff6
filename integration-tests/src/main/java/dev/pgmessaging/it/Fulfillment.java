package dev.pgmessaging.it;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;

/** Consumes the order queue and marks each order fulfilled. */
@ApplicationScoped
public class Fulfillment {

    private static final Logger LOG = Logger.getLogger(Fulfillment.class);

    @Incoming("orders")
    @Transactional
    public void fulfill(OrderPlaced placed, IncomingQueueMetadata metadata) {
        PurchaseOrder order = PurchaseOrder.findById(placed.orderId());
        if (order == null) {
            LOG.warnf("Order %d not found", placed.orderId());
            return;
        }
        order.status = PurchaseOrder.Status.FULFILLED;
        order.fulfilledAt = Instant.now();
        order.fulfilledOnAttempt = metadata.attempt();
        LOG.infof("Order %d fulfilled from queue '%s' (message %d, attempt %d, %d ms after it was queued)", order.id,
                metadata.queue(), metadata.id(), metadata.attempt(),
                order.fulfilledAt.toEpochMilli() - metadata.enqueuedAt().toEpochMilli());
    }
}
