package dev.pgmessaging.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.HdrHistogram.Histogram;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Runs one scenario against the connector of the active profile (see application.properties) and
 * prints one line, {@code RESULT key=value ...}, that bench/run.sh collects:
 * <ul>
 * <li>{@code throughput}: sends {@code bench.messages} messages as fast as the emitter takes them;
 * the produce rate counts until every send was acknowledged by the connector (written), the
 * consume rate and the end-to-end time until the consumer got the last one;</li>
 * <li>{@code latency}: sends at {@code bench.rate} messages per second for {@code bench.duration},
 * each stamped with the time it was due, and reports the end-to-end latency percentiles.</li>
 * </ul>
 */
@QuarkusMain
public class BenchMain implements QuarkusApplication {

    @Inject
    @Channel("bench-out")
    @OnOverflow(value = OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<String> emitter;
    @Inject
    Receiver receiver;
    @ConfigProperty(name = "bench.scenario", defaultValue = "throughput")
    String scenario;
    @ConfigProperty(name = "bench.messages", defaultValue = "300000")
    int messages;
    @ConfigProperty(name = "bench.rate", defaultValue = "1000")
    int rate;
    @ConfigProperty(name = "bench.duration", defaultValue = "20s")
    Duration duration;
    @ConfigProperty(name = "quarkus.profile", defaultValue = "?")
    String connector;

    public static void main(String... args) {
        Quarkus.run(BenchMain.class, args);
    }

    @Override
    public int run(String... args) throws Exception {
        warmUp();
        Map<String, Object> result = switch (scenario) {
            case "throughput" -> throughput();
            case "latency" -> latency();
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        };
        result.put("app_cpu_s", String.format("%.2f", cpuSeconds()));
        System.out.println("RESULT connector=" + connector + " scenario=" + scenario + " "
                + result.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
        return 0;
    }

    /**
     * Sends warm-up messages until one comes back: the consumer is subscribed (a RabbitMQ queue only
     * exists once its consumer declared it) and the first connections are open.
     */
    private void warmUp() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (receiver.warmUps() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no warm-up message came back within a minute");
            }
            emitter.send(message(Payloads.WARM_UP));
            Thread.sleep(200);
        }
        Thread.sleep(1000);
    }

    /** A message with the metadata the connector needs for durability (RabbitMQ: persistent delivery). */
    private Message<String> message(String payload) {
        Message<String> message = Message.of(payload);
        if ("rabbitmq".equals(connector)) {
            message = message.addMetadata(new io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata.Builder()
                    .withDeliveryMode(2).build());
        }
        return message;
    }

    private Map<String, Object> throughput() throws InterruptedException {
        receiver.expect(messages);
        CountDownLatch acked = new CountDownLatch(messages);
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            emitter.send(message(Payloads.of(System.nanoTime())).withAck(() -> {
                acked.countDown();
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }));
        }
        if (!acked.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not all sent after 10 minutes");
        }
        long producedNanos = System.nanoTime() - start;
        if (!receiver.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not done after 10 minutes: received " + receiver.received());
        }
        double e2eSeconds = (receiver.lastReceivedNanos() - start) / 1e9;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("messages", messages);
        result.put("produce_per_s", Math.round(messages / (producedNanos / 1e9)));
        result.put("consume_per_s", Math.round(messages / e2eSeconds));
        result.put("e2e_s", String.format("%.2f", e2eSeconds));
        return result;
    }

    private Map<String, Object> latency() throws InterruptedException {
        long count = rate * duration.toSeconds();
        receiver.expect(count);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (long i = 0; i < count; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            emitter.send(message(Payloads.of(due)));
        }
        if (!receiver.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not done after 5 minutes: received " + receiver.received());
        }
        Histogram histogram = receiver.latencies().copy();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("messages", count);
        result.put("p50_ms", millis(histogram.getValueAtPercentile(50)));
        result.put("p99_ms", millis(histogram.getValueAtPercentile(99)));
        result.put("p999_ms", millis(histogram.getValueAtPercentile(99.9)));
        result.put("max_ms", millis(histogram.getMaxValue()));
        return result;
    }

    private static String millis(long micros) {
        return String.format("%.2f", micros / 1000.0);
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }
}
