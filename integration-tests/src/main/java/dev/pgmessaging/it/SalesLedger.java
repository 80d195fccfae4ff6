package dev.pgmessaging.it;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.IncomingLogMetadata;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * Reads the order event log as consumer group "sales" and records every sale. Every instance of
 * the application is a member of the group: the log's partitions are shared among them.
 * <p>
 * At least once, on purpose: each sale is written in a transaction of its own, and the offset is
 * committed afterwards (ack-in-transaction=false in application.properties), so that a record
 * processed again after an instance died shows as a second row.
 */
@ApplicationScoped
public class SalesLedger {

    private static final Logger LOG = Logger.getLogger(SalesLedger.class);

    @ConfigProperty(name = "demo.instance", defaultValue = "main")
    String instance;
    /** Simulated work per sale (0 in the demo). */
    @ConfigProperty(name = "demo.sales.work", defaultValue = "0ms")
    Duration work;

    @Incoming("sales")
    @Blocking
    public void record(OrderPlaced placed, IncomingLogMetadata<String> metadata) throws InterruptedException {
        if (!work.isZero()) {
            Thread.sleep(work.toMillis());
        }
        QuarkusTransaction.requiringNew().run(() -> {
            SaleRecorded sale = new SaleRecorded();
            sale.eventPartition = metadata.getPartition();
            sale.eventOffset = metadata.getOffset();
            sale.orderId = placed.orderId();
            sale.product = placed.product();
            sale.quantity = placed.quantity();
            sale.instance = instance;
            sale.persist();
        });
        LOG.infof("Sale of order %d recorded from %s-%d@%d", placed.orderId(), metadata.getTopic(),
                metadata.getPartition(), metadata.getOffset());
    }
}
