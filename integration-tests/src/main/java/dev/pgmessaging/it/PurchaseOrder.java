package dev.pgmessaging.it;

import java.time.Instant;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;

import io.quarkus.hibernate.orm.panache.PanacheEntity;

/** An order of the demo shop: placed over REST, fulfilled by a queue consumer. */
@Entity
public class PurchaseOrder extends PanacheEntity {

    public enum Status {
        PLACED,
        FULFILLED
    }

    public String product;
    public int quantity;
    @Enumerated(EnumType.STRING)
    public Status status;
    public Instant placedAt;
    public Instant fulfilledAt;
    /** The delivery attempt of the queue message that fulfilled the order. */
    public Integer fulfilledOnAttempt;
}
