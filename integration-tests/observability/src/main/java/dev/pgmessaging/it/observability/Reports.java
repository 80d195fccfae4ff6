package dev.pgmessaging.it.observability;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reports: {@code POST /reports/{name}} queues one; a report named {@code broken-...} fails, and the
 * channel's {@code fail} strategy stops it for good.
 */
@Path("/reports")
@ApplicationScoped
public class Reports {

    @Inject
    @Channel("reports-out")
    Emitter<String> reports;

    @POST
    @Path("{name}")
    public String submit(@PathParam("name") String name) {
        reports.send(name).toCompletableFuture().join();
        return name;
    }

    @Incoming("reports")
    public void write(String report) {
        if (report.startsWith("broken-")) {
            throw new IllegalStateException("report " + report + " cannot be written");
        }
    }
}
