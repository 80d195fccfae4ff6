package dev.pgmessaging.it.observability;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;

/**
 * A job system: {@code POST /jobs/{name}} queues a job in the request's transaction (the outbox
 * path); the worker runs it. A job named {@code flaky-...} fails on its first attempt and succeeds on
 * its second, a job named {@code poison-...} always fails (it is dead-lettered).
 * {@code POST /jobs/{name}/once/{id}} queues it with a deduplication id, {@code POST
 * /jobs/{name}/expiring} with a time to live of a millisecond.
 */
@Path("/jobs")
@ApplicationScoped
public class Jobs {

    private final Set<String> done = ConcurrentHashMap.newKeySet();

    @Inject
    @Channel("jobs-out")
    Emitter<String> jobs;

    @POST
    @Path("{name}")
    @Transactional
    public String submit(@PathParam("name") String name) {
        jobs.send(name);
        return name;
    }

    @POST
    @Path("{name}/once/{id}")
    @Transactional
    public String submitOnce(@PathParam("name") String name, @PathParam("id") String id) {
        jobs.send(Message.of(name, Metadata.of(OutgoingQueueMetadata.builder().withDeduplicationId(id).build())));
        return name;
    }

    @POST
    @Path("{name}/expiring")
    @Transactional
    public String submitExpiring(@PathParam("name") String name) {
        jobs.send(Message.of(name,
                Metadata.of(OutgoingQueueMetadata.builder().withTimeToLive(Duration.ofMillis(1)).build())));
        return name;
    }

    @Incoming("jobs")
    public void run(String job, IncomingQueueMetadata metadata) {
        if (job.startsWith("poison-") || (job.startsWith("flaky-") && metadata.attempt() == 1)) {
            throw new IllegalStateException("job " + job + " failed at attempt " + metadata.attempt());
        }
        done.add(job);
    }

    public boolean isDone(String job) {
        return done.contains(job);
    }
}
