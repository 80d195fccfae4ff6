package dev.pgmessaging.bench;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;

/** The consumer of the batch scenario: one call per batch, acked as a whole when the method returns. */
@ApplicationScoped
public class BatchReceiver {

    @Inject
    Receiver receiver;

    @Incoming("bench-batch-in")
    public void receive(List<String> payloads) {
        payloads.forEach(receiver::receive);
    }
}
