package dev.pgmessaging.it.observability;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;

/**
 * One trace from an HTTP request through the queue to the worker, across a redelivery: the request's
 * server span, the producer span of the job sent in the request's transaction (its context in the
 * message's headers), and a consumer span per delivery, child of the producer span, with the
 * messaging attributes; and the same through a topic, with partition and offset.
 */
@QuarkusTest
class TracingTest {

    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("messaging.postgresql.message.attempt");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.postgresql.message.offset");
    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");

    @Inject
    InMemorySpanExporter spans;
    @Inject
    Jobs jobs;

    @BeforeEach
    void forget() {
        spans.reset();
    }

    @Test
    void aJobRetriedOnceIsOneTraceFromTheRequestToBothDeliveries() {
        given().post("/jobs/flaky-1").then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> jobs.isDone("flaky-1"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            SpanData request = request("/jobs/flaky-1");
            SpanData send = one(SpanKind.PRODUCER, "jobs", request);
            List<SpanData> deliveries = all(SpanKind.CONSUMER, "jobs", request);
            assertEquals(2, deliveries.size(), "a consumer span per delivery: " + spans.getFinishedSpanItems());
            assertEquals(request.getTraceId(), send.getTraceId(), "the send continues the request's trace");
            assertEquals("postgresql", send.getAttributes().get(SYSTEM));
            for (SpanData delivery : deliveries) {
                assertEquals(request.getTraceId(), delivery.getTraceId());
                assertEquals(send.getSpanId(), delivery.getParentSpanId(), "continued from the message's headers");
                assertEquals("postgresql", delivery.getAttributes().get(SYSTEM));
                assertNotNull(delivery.getAttributes().get(MESSAGE_ID));
            }
            assertEquals(Set.of(1L, 2L), deliveries.stream().map(d -> d.getAttributes().get(ATTEMPT))
                    .collect(Collectors.toSet()));
            assertEquals(1, deliveries.stream().map(d -> d.getAttributes().get(MESSAGE_ID)).distinct().count(),
                    "the same message twice");
        });
    }

    @Test
    void anEventIsOneTraceFromTheRequestToItsGroup() {
        given().post("/events/e-1").then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            SpanData request = request("/events/e-1");
            SpanData send = one(SpanKind.PRODUCER, "events", request);
            SpanData delivery = one(SpanKind.CONSUMER, "events", request);
            assertEquals(request.getTraceId(), send.getTraceId());
            assertEquals(send.getSpanId(), delivery.getParentSpanId());
            assertNotNull(delivery.getAttributes().get(PARTITION));
            assertNotNull(delivery.getAttributes().get(OFFSET));
        });
    }

    /** The server span of the request to that path (other tests' spans may still come in). */
    private SpanData request(String path) {
        List<SpanData> found = spans.getFinishedSpanItems().stream().filter(span -> span.getKind() == SpanKind.SERVER)
                .filter(span -> path.equals(span.getAttributes().get(URL_PATH))).toList();
        assertEquals(1, found.size(), "server spans of " + path + ": " + spans.getFinishedSpanItems());
        return found.get(0);
    }

    /** The one span of that kind and destination in the request's trace. */
    private SpanData one(SpanKind kind, String destination, SpanData request) {
        List<SpanData> found = all(kind, destination, request);
        assertEquals(1, found.size(), kind + " spans of " + destination + ": " + spans.getFinishedSpanItems());
        return found.get(0);
    }

    private List<SpanData> all(SpanKind kind, String destination, SpanData request) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getKind() == kind)
                .filter(span -> span.getTraceId().equals(request.getTraceId()))
                .filter(span -> destination.equals(span.getAttributes().get(DESTINATION))).toList();
    }
}
