package dev.pgmessaging.admin.runtime;

import java.util.function.Consumer;

import io.quarkus.runtime.annotations.Recorder;
import io.vertx.ext.web.Route;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

@Recorder
public class AdminRecorder {

    /**
     * @param base {@code /<path>}: the endpoints and the console are what follows it in a request's path
     * @param secured whether a security extension is present (callers need {@code role})
     */
    public Handler<RoutingContext> api(String base, boolean secured, String role) {
        return new AdminEndpoints(base + "/api/", new AccessCheck(secured, role));
    }

    /** Reads the request's body before the endpoints run (with the limits of {@code quarkus.http.limits}). */
    public Consumer<Route> readBodyFirst(Handler<RoutingContext> bodyHandler) {
        return route -> route.handler(bodyHandler);
    }

    public Handler<RoutingContext> console(String base, boolean secured, String role) {
        return new ConsoleFiles(base + "/", new AccessCheck(secured, role));
    }
}
