package dev.pgmessaging.admin.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Serves the console: one page, its script and its style, from {@code META-INF/pgmessaging-console}
 * in this jar (nothing from a CDN), and the OpenAPI description of the endpoints of
 * {@link AdminEndpoints}, which the page calls.
 */
final class ConsoleFiles implements Handler<RoutingContext> {

    static final String DIRECTORY = "META-INF/pgmessaging-console/";
    /** The files there, by name, with their content type. */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "openapi.yaml", "application/yaml; charset=utf-8");

    private final String prefix;
    private final AccessCheck access;
    private final Map<String, Buffer> loaded = new ConcurrentHashMap<>();

    ConsoleFiles(String prefix, AccessCheck access) {
        this.prefix = prefix;
        this.access = access;
    }

    @Override
    public void handle(RoutingContext context) {
        if (!access.allows(context)) {
            return;
        }
        String path = context.normalizedPath();
        int at = path.indexOf(prefix);
        if (at < 0) {
            if (path.endsWith(prefix.substring(0, prefix.length() - 1))) { // the base without its slash: links need it
                context.response().setStatusCode(302).putHeader("Location", path + "/").end();
            } else {
                context.next();
            }
            return;
        }
        String name = path.substring(at + prefix.length());
        if (name.isEmpty()) {
            name = "index.html";
        }
        String type = FILES.get(name);
        if (type == null) {
            context.next();
            return;
        }
        context.response().putHeader("Content-Type", type).putHeader("Cache-Control", "no-cache")
                .end(loaded.computeIfAbsent(name, ConsoleFiles::read));
    }

    private static Buffer read(String name) {
        try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(DIRECTORY + name)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + DIRECTORY + name);
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
