package dev.pgmessaging.bench;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.HdrHistogram.Histogram;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.pgmessaging.runtime.api.OutgoingQueueMetadata;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;

/**
 * Runs one scenario against the connector {@code bench.connector} (whose channels the active
 * profiles configure, see application.properties) and prints one line, {@code RESULT key=value ...},
 * that bench/run.sh collects:
 * <ul>
 * <li>{@code throughput}: warms up (not measured) in rounds of {@code bench.throughput-warm-up}
 * messages sent as fast as the emitter takes them, each waited for until they came back, until the
 * JIT compiler is quiet: until it compiled for less than {@code bench.warm-up-compiling} of a
 * round's time, or {@code bench.warm-up-limit} has passed (on two cores, the compiler kept one core
 * busy for the first 10 to 15 seconds of every run, half of them in the measured part after a single
 * round); then sends {@code bench.messages} more: the produce rate counts until every send was
 * acknowledged by the connector (written), the consume rate and the end-to-end time until the
 * consumer got the last one;</li>
 * <li>{@code batch}: the same, consumed as {@code List<String>} batches;</li>
 * <li>{@code fanout}: the same, to three consumers (groups, or queues bound to a fanout exchange)
 * that each get every message: the consume rate is each consumer's;</li>
 * <li>{@code latency}: sends at {@code bench.rate} messages per second for {@code bench.warm-up}
 * (not measured: the JIT compiler is still at work in the first seconds, on the same two cores),
 * then for {@code bench.duration}, each stamped with the time it was due, and reports the
 * end-to-end latency percentiles of the second part;</li>
 * <li>{@code idle}: the same spread over the {@value IdleChannels#QUEUES} queues of
 * {@link IdleChannels}, then {@code bench.idle-window} without messages, during which it counts
 * what the database executes;</li>
 * <li>{@code gauges}: what a refresh of the connector's gauges costs with many queues and topics
 * ({@link GaugeCost});</li>
 * <li>{@code sustained}: sends at {@code bench.rate} for {@code bench.duration} (whole minutes)
 * while a transaction holds the xmin horizon ({@code bench.hold-xmin}), and reports the rate
 * received in each minute.</li>
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
    @Inject
    FanOutReceiver fanOut;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;
    @ConfigProperty(name = "quarkus.messaging.postgres.schema")
    String schema;
    @ConfigProperty(name = "bench.gauge-queues", defaultValue = "1000")
    int gaugeQueues;
    @ConfigProperty(name = "bench.gauge-messages", defaultValue = "100")
    int gaugeMessages;
    @ConfigProperty(name = "bench.gauge-backlog", defaultValue = "0")
    int gaugeBacklog;
    @ConfigProperty(name = "bench.gauge-topics", defaultValue = "100")
    int gaugeTopics;
    @ConfigProperty(name = "bench.gauge-records", defaultValue = "1000")
    int gaugeRecords;
    @ConfigProperty(name = "bench.connector")
    String connector;
    @ConfigProperty(name = "bench.scenario", defaultValue = "throughput")
    String scenario;
    @ConfigProperty(name = "bench.messages", defaultValue = "300000")
    int messages;
    @ConfigProperty(name = "bench.throughput-warm-up", defaultValue = "100000")
    int throughputWarmUp;
    @ConfigProperty(name = "bench.warm-up-compiling", defaultValue = "0.1")
    double warmUpCompiling;
    @ConfigProperty(name = "bench.warm-up-limit", defaultValue = "60s")
    Duration warmUpLimit;
    private int warmUpRounds;
    /** The compiler's time when the measured part started ({@link #compilingMillis()}), or -1. */
    private long measuredFrom = -1;
    @ConfigProperty(name = "bench.rate", defaultValue = "1000")
    int rate;
    @ConfigProperty(name = "bench.duration", defaultValue = "20s")
    Duration duration;
    @ConfigProperty(name = "bench.warm-up", defaultValue = "10s")
    Duration warmUp;
    @ConfigProperty(name = "bench.idle-window", defaultValue = "20s")
    Duration idleWindow;
    @ConfigProperty(name = "bench.hold-xmin", defaultValue = "false")
    boolean holdXmin;

    public static void main(String... args) {
        Quarkus.run(BenchMain.class, args);
    }

    @Override
    public int run(String... args) throws Exception {
        Map<String, Object> result = switch (scenario) {
            case "throughput", "batch" -> throughput();
            case "fanout" -> fanOut();
            case "latency" -> latency();
            case "idle" -> idle();
            case "sustained" -> sustained();
            case "gauges" -> new GaugeCost(dataSource, registry, schema).run(gaugeQueues, gaugeMessages, gaugeBacklog, gaugeTopics,
                    gaugeRecords, 20);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        };
        result.put("app_cpu_s", String.format("%.2f", cpuSeconds()));
        if (warmUpRounds > 0) {
            result.put("warm_up_rounds", warmUpRounds);
        }
        if (measuredFrom >= 0) {
            // how much the compiler still competed for the cores in the measured part
            result.put("jit_measured_s", String.format("%.2f", (compilingMillis() - measuredFrom) / 1000.0));
        }
        System.out.println("RESULT connector=" + connector + " scenario=" + scenario + " "
                + result.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
        return 0;
    }

    /**
     * Sends warm-up messages until they come back: the consumers are subscribed (a RabbitMQ queue
     * only exists once its consumer declared it) and the first connections are open.
     */
    private void warmUp(int queues, BooleanSupplier ready) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the warm-up messages did not come back within a minute");
            }
            for (int i = 0; i < queues; i++) {
                emitter.send(message(Payloads.warmUp(String.valueOf(i)), queues == 1 ? null : IdleChannels.routingKey(i)));
            }
            Thread.sleep(200);
        }
        Thread.sleep(1000);
    }

    /**
     * A message with the metadata the connector needs for durability (RabbitMQ: persistent delivery)
     * and the routing key that picks its queue, if any.
     */
    private Message<String> message(String payload, String routingKey) {
        Message<String> message = Message.of(payload);
        if ("rabbitmq".equals(connector)) {
            OutgoingRabbitMQMetadata.Builder metadata = new OutgoingRabbitMQMetadata.Builder().withDeliveryMode(2);
            if (routingKey != null) {
                metadata.withRoutingKey(routingKey);
            }
            message = message.addMetadata(metadata.build());
        } else if (routingKey != null) {
            message = message.addMetadata(OutgoingQueueMetadata.builder().withRoutingKey(routingKey).build());
        }
        return message;
    }

    /** Sends {@code count} messages as fast as the emitter takes them; returns the nanos until all were written. */
    private long sendAll(int count) throws InterruptedException {
        CountDownLatch acked = new CountDownLatch(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            emitter.send(message(Payloads.of(System.nanoTime()), null).withAck(() -> {
                acked.countDown();
                return CompletableFuture.completedFuture(null);
            }));
        }
        if (!acked.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not all sent after 10 minutes");
        }
        return System.nanoTime() - start;
    }

    private Map<String, Object> throughput() throws InterruptedException {
        warmUp(1, () -> receiver.warmUps() > 0);
        warmUpThroughput(receiver::expect, receiver::await);
        receiver.expect(messages);
        long start = System.nanoTime();
        long producedNanos = sendAll(messages);
        if (!receiver.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not done after 10 minutes: received " + receiver.received());
        }
        return rates(messages, producedNanos, receiver.lastReceivedNanos() - start);
    }

    private Map<String, Object> fanOut() throws InterruptedException {
        warmUp(1, fanOut::warmedUp);
        warmUpThroughput(fanOut::expect, fanOut::await);
        fanOut.expect(messages);
        long start = System.nanoTime();
        long producedNanos = sendAll(messages);
        if (!fanOut.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not done after 10 minutes: received " + fanOut.received());
        }
        return rates(messages, producedNanos, fanOut.lastReceivedNanos() - start);
    }

    /** Awaits what was expected, as the receivers do. */
    private interface Await {
        boolean await(long timeout, TimeUnit unit) throws InterruptedException;
    }

    /**
     * Sends rounds of {@code bench.throughput-warm-up} messages as fast as it can, each waited for
     * until it came back, until the JIT compiler is quiet or {@code bench.warm-up-limit} has passed.
     */
    private void warmUpThroughput(java.util.function.LongConsumer expect, Await done) throws InterruptedException {
        if (throughputWarmUp <= 0) {
            return;
        }
        long deadline = System.nanoTime() + warmUpLimit.toNanos();
        double compiling;
        do {
            long start = System.nanoTime();
            long compiledBefore = compilingMillis();
            expect.accept(throughputWarmUp);
            sendAll(throughputWarmUp);
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the throughput warm-up did not come back within 10 minutes");
            }
            warmUpRounds++;
            long nanos = System.nanoTime() - start;
            compiling = (compilingMillis() - compiledBefore) * 1e6 / nanos;
            System.err.printf("warm-up round %d: %.1f s, compiling %.0f%% of it%n", warmUpRounds, nanos / 1e9,
                    compiling * 100);
        } while (compiling >= warmUpCompiling && System.nanoTime() - deadline < 0);
        measuredFrom = compilingMillis();
    }

    /** Milliseconds the JIT compiler's threads spent compiling since the start (summed over them). */
    private static long compilingMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    private static Map<String, Object> rates(int messages, long producedNanos, long endToEndNanos) {
        double e2eSeconds = endToEndNanos / 1e9;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("messages", messages);
        result.put("produce_per_s", Math.round(messages / (producedNanos / 1e9)));
        result.put("consume_per_s", Math.round(messages / e2eSeconds));
        result.put("e2e_s", String.format("%.2f", e2eSeconds));
        return result;
    }

    private Map<String, Object> latency() throws InterruptedException {
        warmUp(1, () -> receiver.warmUps() > 0);
        sendAtRate(1, 0, warmUp);
        measuredFrom = compilingMillis();
        return latencies(sendAtRate(1, 0, duration));
    }

    private Map<String, Object> idle() throws Exception {
        int queues = IdleChannels.QUEUES;
        warmUp(queues, () -> receiver.warmUps() == queues);
        Map<String, Object> result = latencies(sendAtRate(queues, 0, duration));
        // the last messages are settled, the channels idle: count what the database does meanwhile
        Thread.sleep(5000);
        DatabaseLoad load = new DatabaseLoad(dataSource);
        long statements = load.statements();
        Thread.sleep(idleWindow.toMillis());
        if (connector.startsWith("pg") && statements >= 0) {
            // less the statements that read the figures (two per reading)
            result.put("idle_db_stmts_per_s",
                    String.format("%.1f", (load.statements() - statements - 2) / (idleWindow.toMillis() / 1000.0)));
        }
        return result;
    }

    private Map<String, Object> sustained() throws Exception {
        warmUp(1, () -> receiver.warmUps() > 0);
        int minutes = (int) duration.toMinutes();
        Connection holder = holdXmin ? new DatabaseLoad(dataSource).holdXmin() : null;
        Map<String, Object> result = new LinkedHashMap<>();
        long count;
        try {
            count = sendAtRateOnly(1, minutes, duration);
            result.put("messages", count);
            result.put("rate", rate);
            // a connector that falls behind shows it here and in the last minutes' rates
            result.put("behind_at_end", count - receiver.received());
        } finally {
            if (holder != null) {
                holder.rollback();
                holder.close();
            }
        }
        if (!receiver.await(5, TimeUnit.MINUTES)) {
            result.put("behind_after_5min", count - receiver.received());
        }
        for (int minute = 0; minute < minutes; minute++) {
            result.put("m" + (minute + 1) + "_per_s", Math.round(receiver.receivedInMinute(minute) / 60.0));
        }
        result.put("last_over_first", String.format("%.2f",
                (double) receiver.receivedInMinute(minutes - 1) / Math.max(1, receiver.receivedInMinute(0))));
        return result;
    }

    /**
     * Sends at {@code bench.rate} for the given time, each message stamped with the time it
     * was due and, with several queues, to the next queue in turn; waits until all came back.
     *
     * @return how many were sent
     */
    private long sendAtRate(int queues, int minutes, Duration duration) throws InterruptedException {
        long count = sendAtRateOnly(queues, minutes, duration);
        if (!receiver.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not done after 5 minutes: received " + receiver.received());
        }
        return count;
    }

    /** Sends as {@link #sendAtRate} does, without waiting for the messages to come back. */
    private long sendAtRateOnly(int queues, int minutes, Duration duration) {
        long count = rate * duration.toSeconds();
        receiver.expect(count, minutes);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (long i = 0; i < count; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            emitter.send(message(Payloads.of(due), queues == 1 ? null : IdleChannels.routingKey((int) (i % queues))));
        }
        return count;
    }

    private Map<String, Object> latencies(long count) {
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
