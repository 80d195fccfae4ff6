package dev.pgmessaging.it;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/**
 * Places orders: the order row and its {@link OrderPlaced} message are written in one
 * transaction (transactional outbox), so the message exists if and only if the order does.
 */
@ApplicationScoped
public class OrderService {

    private static final Logger LOG = Logger.getLogger(OrderService.class);

    @Inject
    @Channel("order-placed")
    Emitter<OrderPlaced> orderPlaced;

    @Transactional
    public PurchaseOrder place(OrderRequest request) {
        PurchaseOrder order = new PurchaseOrder();
        order.product = request.product();
        order.quantity = request.quantity();
        order.status = PurchaseOrder.Status.PLACED;
        order.placedAt = Instant.now();
        order.persist();
        order.flush(); // assigns the id carried by the message
        orderPlaced.send(new OrderPlaced(order.id, order.product, order.quantity));
        LOG.infof("Order %d placed (%d x %s) and queued in the same transaction", order.id, order.quantity,
                order.product);
        return order;
    }
}
