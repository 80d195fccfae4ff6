package dev.pgmessaging.admin.runtime;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.runtime.api.Binding;
import dev.pgmessaging.runtime.api.MessageSelection;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.api.UnknownNameException;
import io.quarkus.arc.Arc;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP endpoints over {@link PostgresMessaging}, JSON in and out, under {@code <base>/api/}
 * (docs: operations page, "HTTP endpoints and console"). Every call names its datasource with the
 * query parameter {@code datasource} (the default datasource when absent). Runs on a worker thread
 * (the admin API reads the database). A name that does not exist answers 404, a bad request 400.
 */
final class AdminEndpoints implements Handler<RoutingContext> {

    private final String prefix;
    private final AccessCheck access;
    private volatile PostgresMessaging messaging;
    private volatile ObjectMapper mapper;

    AdminEndpoints(String prefix, AccessCheck access) {
        this.prefix = prefix;
        this.access = access;
    }

    /** A request that cannot be understood: answered 400 with the reason. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    @Override
    public void handle(RoutingContext context) {
        if (!access.allows(context)) {
            return;
        }
        if (messaging == null) {
            messaging = Arc.container().instance(PostgresMessaging.class).get();
            mapper = Arc.container().instance(ObjectMapper.class).get();
        }
        String path = context.normalizedPath();
        int at = path.indexOf(prefix);
        List<String> segments = at < 0 ? List.of()
                : Arrays.stream(path.substring(at + prefix.length()).split("/")).filter(s -> !s.isEmpty())
                        .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();
        try {
            Object answer = route(context, context.request().method(), segments);
            if (answer == null) {
                context.response().setStatusCode(404).end();
            } else {
                reply(context, 200, answer);
            }
        } catch (UnknownNameException e) {
            reply(context, 404, Map.of("error", String.valueOf(e.getMessage())));
        } catch (BadRequest | IllegalArgumentException e) {
            reply(context, 400, Map.of("error", String.valueOf(e.getMessage())));
        } catch (IllegalStateException e) {
            reply(context, 409, Map.of("error", String.valueOf(e.getMessage())));
        } catch (IOException e) {
            reply(context, 400, Map.of("error", "not JSON: " + e.getMessage()));
        }
    }

    /** @return what to answer, or {@code null} for an unknown path */
    private Object route(RoutingContext context, HttpMethod method, List<String> s) throws IOException {
        String ds = context.request().getParam("datasource", PostgresMessaging.DEFAULT_DATASOURCE);
        int n = s.size();
        if (n == 0) {
            return null;
        }
        switch (s.get(0)) {
            case "queues":
                if (n == 1 && HttpMethod.GET.equals(method)) {
                    return messaging.queues(ds);
                }
                if (n == 3 && s.get(2).equals("messages") && HttpMethod.GET.equals(method)) {
                    return messaging.peek(ds, s.get(1), longParam(context, "after", 0),
                            (int) longParam(context, "limit", 50), (int) longParam(context, "payload-bytes", 4096));
                }
                if (n == 3 && HttpMethod.POST.equals(method)) {
                    JsonNode body = body(context);
                    return switch (s.get(2)) {
                        case "redrive" -> Map.of("moved", messaging.redrive(ds, s.get(1), selection(body)));
                        case "move" -> Map.of("moved", messaging.move(ds, s.get(1), text(body, "to"), selection(body)));
                        case "delete" -> Map.of("deleted", messaging.delete(ds, s.get(1), selection(body)));
                        default -> null;
                    };
                }
                return null;
            case "exchanges":
                if (n == 1 && HttpMethod.GET.equals(method)) {
                    return messaging.exchanges(ds);
                }
                if (n == 3 && s.get(2).equals("bindings") && HttpMethod.POST.equals(method)) {
                    messaging.bind(ds, binding(s.get(1), body(context)));
                    return Map.of("bound", true);
                }
                if (n == 4 && s.get(2).equals("bindings") && s.get(3).equals("delete") && HttpMethod.POST.equals(method)) {
                    return Map.of("unbound", messaging.unbind(ds, binding(s.get(1), body(context))));
                }
                return null;
            case "topics":
                if (n == 1 && HttpMethod.GET.equals(method)) {
                    return messaging.topics(ds);
                }
                if (n == 3 && s.get(2).equals("retention") && HttpMethod.PUT.equals(method)) {
                    String retention = text(body(context), "retention");
                    messaging.setRetention(ds, s.get(1), retention == null ? null : duration(retention));
                    return Map.of("retention", String.valueOf(retention));
                }
                if (n == 4 && s.get(2).equals("groups") && HttpMethod.GET.equals(method)) {
                    return messaging.group(ds, s.get(3), s.get(1));
                }
                if (n == 5 && s.get(2).equals("groups") && HttpMethod.POST.equals(method)) {
                    return switch (s.get(4)) {
                        case "seek" -> seek(ds, s.get(1), s.get(3), body(context));
                        case "delete" -> {
                            messaging.deleteGroup(ds, s.get(3), s.get(1));
                            yield Map.of("deleted", true);
                        }
                        default -> null;
                    };
                }
                return null;
            case "channels":
                if (n == 1 && HttpMethod.GET.equals(method)) {
                    return messaging.channels();
                }
                if (n == 2 && HttpMethod.GET.equals(method)) {
                    return Map.of("channel", s.get(1), "paused", messaging.isPaused(s.get(1)));
                }
                if (n == 3 && HttpMethod.POST.equals(method) && (s.get(2).equals("pause") || s.get(2).equals("resume"))) {
                    if (s.get(2).equals("pause")) {
                        messaging.pause(s.get(1));
                    } else {
                        messaging.resume(s.get(1));
                    }
                    return Map.of("channel", s.get(1), "paused", messaging.isPaused(s.get(1)));
                }
                return null;
            default:
                return null;
        }
    }

    private Map<String, Object> seek(String ds, String topic, String group, JsonNode body) {
        String to = text(body, "to");
        if (to == null) {
            throw new BadRequest("say where to: {\"to\": \"earliest\" | \"latest\" | \"offset\" | \"time\"}");
        }
        SeekTo position = switch (to) {
            case "earliest" -> SeekTo.earliest();
            case "latest" -> SeekTo.latest();
            case "offset" -> SeekTo.offset(body.path("offset").asLong());
            case "time" -> SeekTo.time(Instant.parse(text(body, "time")));
            default -> throw new BadRequest("unknown position '" + to + "': earliest, latest, offset or time");
        };
        Integer partition = body.hasNonNull("partition") ? body.get("partition").asInt() : null;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("offsets", messaging.seek(ds, group, topic, partition, position));
        return answer;
    }

    private MessageSelection selection(JsonNode body) {
        if (body.hasNonNull("ids")) {
            return MessageSelection.ids(mapper.convertValue(body.get("ids"), long[].class));
        }
        if (body.hasNonNull("headers")) {
            return MessageSelection.withHeaders(stringMap(body.get("headers")));
        }
        return MessageSelection.all();
    }

    private Binding binding(String exchange, JsonNode body) {
        String queue = text(body, "queue");
        if (queue == null) {
            throw new BadRequest("a binding needs a queue");
        }
        String key = text(body, "routingKey");
        return new Binding(exchange, queue, key == null ? "" : key,
                body.hasNonNull("headers") ? stringMap(body.get("headers")) : Map.of(),
                !body.hasNonNull("matchAll") || body.get("matchAll").asBoolean());
    }

    private Map<String, String> stringMap(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private JsonNode body(RoutingContext context) throws IOException {
        String text = context.body() == null ? null : context.body().asString();
        return text == null || text.isBlank() ? mapper.createObjectNode() : mapper.readTree(text);
    }

    private static String text(JsonNode body, String field) {
        return body.hasNonNull(field) ? body.get(field).asText() : null;
    }

    private static Duration duration(String text) {
        try {
            return Duration.parse(text);
        } catch (RuntimeException e) {
            throw new BadRequest("'" + text + "' is not an ISO-8601 duration (for example P7D, PT36H)");
        }
    }

    private static long longParam(RoutingContext context, String name, long orElse) {
        String value = context.request().getParam(name);
        try {
            return value == null ? orElse : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a number, not '" + value + "'");
        }
    }

    private void reply(RoutingContext context, int status, Object body) {
        try {
            context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(mapper.writeValueAsString(body));
        } catch (IOException e) {
            context.fail(e);
        }
    }
}
