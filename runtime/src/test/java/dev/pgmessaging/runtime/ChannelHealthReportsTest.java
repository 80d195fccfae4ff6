package dev.pgmessaging.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.pgmessaging.runtime.channel.ChannelEndpoint;
import io.smallrye.reactive.messaging.health.HealthReport;

/** What each health check says of a channel, by its state and its health attributes. */
class ChannelHealthReportsTest {

    /** A channel end in a given state. */
    record Endpoint(String channel, String failure, boolean isAlive, boolean hasStarted) implements ChannelEndpoint {
        @Override
        public void stopTakingWork() {
        }

        @Override
        public void stop() {
        }
    }

    static ApplicationChannel channel(Endpoint endpoint, boolean health, boolean readiness) {
        return new ApplicationChannel(endpoint, "incoming", "queue", "<default>", Map.of(), health, health && readiness);
    }

    static final List<ApplicationChannel> CHANNELS = List.of(
            channel(new Endpoint("working", null, true, true), true, true),
            channel(new Endpoint("unreachable", "Connection refused", true, true), true, true),
            channel(new Endpoint("stopped", "stopped by the fail strategy: boom", false, true), true, true),
            channel(new Endpoint("starting", "Connection refused", true, false), true, true),
            channel(new Endpoint("quiet", "Connection refused", false, false), false, true),
            channel(new Endpoint("relaxed", "Connection refused", true, true), true, false));

    @Test
    void readinessSaysWhyAChannelCannotWorkAndLeavesOutWhatIsNotReported() {
        assertEquals(Map.of("working", "ok", "unreachable", "Connection refused",
                "stopped", "stopped by the fail strategy: boom", "starting", "Connection refused"),
                states(ChannelHealthReports.readiness(CHANNELS, false)));
    }

    @Test
    void livenessFailsOnlyForAChannelStoppedForGood() {
        assertEquals(Map.of("working", "ok", "unreachable", "ok", "stopped", "stopped by the fail strategy: boom",
                "starting", "ok", "relaxed", "ok"), states(ChannelHealthReports.liveness(CHANNELS, false)));
    }

    @Test
    void startupWaitsForAConsumerToReachItsDatabase() {
        assertEquals(Map.of("working", "ok", "unreachable", "ok", "stopped", "ok",
                "starting", ChannelHealthReports.NOT_STARTED, "relaxed", "ok"),
                states(ChannelHealthReports.startup(CHANNELS)));
    }

    @Test
    void aShutdownMakesEveryChannelNotReadyButStillLive() {
        Map<String, String> readiness = states(ChannelHealthReports.readiness(CHANNELS, true));
        assertEquals(4, readiness.size());
        readiness.values().forEach(state -> assertEquals(ChannelHealthReports.SHUTTING_DOWN, state));
        Map<String, String> liveness = states(ChannelHealthReports.liveness(CHANNELS, true));
        assertEquals(ChannelHealthReports.SHUTTING_DOWN + " (ok)", liveness.get("stopped"));
        assertEquals("ok", liveness.get("working"));
    }

    /** channel → "ok", or the message of a failed check; "message (ok)" for a passed one with a message. */
    private static Map<String, String> states(HealthReport report) {
        return report.getChannels().stream().collect(Collectors.toMap(HealthReport.ChannelInfo::getChannel,
                c -> c.isOk() ? (c.getMessage() == null ? "ok" : c.getMessage() + " (ok)") : c.getMessage()));
    }
}
