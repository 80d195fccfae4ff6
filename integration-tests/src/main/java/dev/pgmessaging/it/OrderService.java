package dev.pgmessaging.it;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.OutgoingLogMetadata;

/**
 * Places orders: the order row, its {@link OrderPlaced} message on the fulfilment queue and its
 * record on the order event log are written in one transaction (transactional outbox), so the
 * message and the record exist if and only if the order does.
 */
@ApplicationScoped
public class OrderService {

    private static final Logger LOG = Logger.getLogger(OrderService.class);

    @Inject
    @Channel("order-placed")
    Emitter<OrderPlaced> orderPlaced;
    @Inject
    @Channel("order-events")
    Emitter<OrderPlaced> orderEvents;

    @Transactional
    public PurchaseOrder place(OrderRequest request) {
        PurchaseOrder order = new PurchaseOrder();
        order.product = request.product();
        order.quantity = request.quantity();
        order.status = PurchaseOrder.Status.PLACED;
        order.placedAt = Instant.now();
        order.persist();
        order.flush(); // assigns the id carried by the message
        OrderPlaced placed = new OrderPlaced(order.id, order.product, order.quantity);
        orderPlaced.send(placed);
        // keyed by product: the events of one product are read in order
        orderEvents.send(Message.of(placed).addMetadata(OutgoingLogMetadata.<String> builder()
                .withKey(order.product).build()));
        LOG.infof("Order %d placed (%d x %s) and queued in the same transaction", order.id, order.quantity,
                order.product);
        return order;
    }
}
