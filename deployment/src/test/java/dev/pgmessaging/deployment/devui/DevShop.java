package dev.pgmessaging.deployment.devui;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.shrinkwrap.api.asset.StringAsset;

import io.smallrye.mutiny.Multi;

/**
 * The application the Dev UI test runs in dev mode: jobs on a queue (the first "poison" job fails
 * once and is dead-lettered), orders published through an exchange, and a topic read by a group.
 */
@ApplicationScoped
public class DevShop {

    /** The application's configuration, in its own schema. */
    static StringAsset properties(String schema) {
        return new StringAsset(String.join("\n",
                "quarkus.messaging.postgres.schema=" + schema,
                "quarkus.application.name=devshop",
                "mp.messaging.outgoing.to-work.queue=work",
                "mp.messaging.incoming.work.max-attempts=1",
                "mp.messaging.incoming.work.poll-interval=200ms",
                "mp.messaging.outgoing.to-events.topic=events",
                "mp.messaging.outgoing.to-events.partitions=2",
                "mp.messaging.incoming.events.topic=events",
                "mp.messaging.incoming.events.partitions=2",
                "mp.messaging.incoming.events.auto.offset.reset=earliest",
                "mp.messaging.incoming.audit.exchange=orders",
                "mp.messaging.incoming.audit.exchange-type=topic",
                "mp.messaging.incoming.audit.routing-keys=order.*"));
    }

    private final AtomicBoolean poisonFailed = new AtomicBoolean();

    @Outgoing("to-work")
    public Multi<String> jobs() {
        return Multi.createFrom().items("job-1", "poison", "job-2");
    }

    @Incoming("work")
    public void work(String job) {
        if (job.equals("poison") && poisonFailed.compareAndSet(false, true)) {
            throw new IllegalStateException("poisoned job");
        }
    }

    @Outgoing("to-events")
    public Multi<String> events() {
        return Multi.createFrom().items("e1", "e2", "e3", "e4");
    }

    @Incoming("events")
    public void event(String event) {
    }

    @Incoming("audit")
    public void audit(String order) {
    }
}
