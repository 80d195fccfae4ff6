package dev.pgmessaging.it.observability;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** An event log: {@code POST /events/{name}} appends to the topic "events", which group "audit" reads. */
@Path("/events")
@ApplicationScoped
public class Events {

    @Inject
    @Channel("events-out")
    Emitter<String> events;

    @POST
    @Path("{name}")
    public String publish(@PathParam("name") String name) {
        events.send(name).toCompletableFuture().join();
        return name;
    }

    @Incoming("events")
    public void audit(String event) {
    }
}
