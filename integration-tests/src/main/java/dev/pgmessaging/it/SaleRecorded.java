package dev.pgmessaging.it;

import jakarta.persistence.Entity;

import io.quarkus.hibernate.orm.panache.PanacheEntity;

/**
 * One order event as the sales ledger processed it: which record of the order event log
 * (partition and offset), which order, and which application instance processed it.
 */
@Entity
public class SaleRecorded extends PanacheEntity {

    public int eventPartition;
    public long eventOffset;
    public long orderId;
    public String product;
    public int quantity;
    public String instance;
}
