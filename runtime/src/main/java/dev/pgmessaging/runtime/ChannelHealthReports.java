package dev.pgmessaging.runtime;

import java.util.List;

import dev.pgmessaging.runtime.channel.ChannelEndpoint;
import io.smallrye.reactive.messaging.health.HealthReport;

/**
 * What the health checks report of the application's channels, each as its {@code health-enabled}
 * and {@code health-readiness-enabled} attributes say: started once it is under way, live unless it
 * stopped for good (with the reason), ready while its database answers (else why not) and until the
 * application shuts down.
 */
final class ChannelHealthReports {

    static final String SHUTTING_DOWN = "stopped: the application is shutting down";
    static final String NOT_STARTED = "not started: it has not reached its database yet";
    static final String THREAD_DIED = "its thread is not running";

    private ChannelHealthReports() {
    }

    /**
     * Ready while the channel's last statement worked. A database outage makes it not ready, and it
     * is ready again by itself once its statements work again; a shutdown makes every channel not ready.
     */
    static HealthReport readiness(List<ApplicationChannel> channels, boolean shuttingDown) {
        HealthReport.HealthReportBuilder builder = HealthReport.builder();
        for (ApplicationChannel channel : channels) {
            if (channel.readinessReported()) {
                String problem = shuttingDown ? SHUTTING_DOWN : channel.endpoint().failure();
                builder.add(channel.endpoint().channel(), problem == null, problem);
            }
        }
        return builder.build();
    }

    /**
     * Live unless the channel stopped for good (the {@code fail} strategy, with its reason) or its
     * thread died. A database outage is not a liveness failure: the channels reconnect by themselves,
     * and restarting the application would not help; nor is a channel stopped for a shutdown.
     */
    static HealthReport liveness(List<ApplicationChannel> channels, boolean shuttingDown) {
        HealthReport.HealthReportBuilder builder = HealthReport.builder();
        for (ApplicationChannel channel : channels) {
            if (channel.healthReported()) {
                ChannelEndpoint endpoint = channel.endpoint();
                if (endpoint.isAlive()) {
                    builder.add(endpoint.channel(), true);
                } else if (shuttingDown) {
                    builder.add(endpoint.channel(), true, SHUTTING_DOWN);
                } else {
                    String why = endpoint.failure();
                    builder.add(endpoint.channel(), false, why == null ? THREAD_DIED : why);
                }
            }
        }
        return builder.build();
    }

    /** Started: a consumer once it reached its database, a producer from its creation. */
    static HealthReport startup(List<ApplicationChannel> channels) {
        HealthReport.HealthReportBuilder builder = HealthReport.builder();
        for (ApplicationChannel channel : channels) {
            if (channel.healthReported()) {
                boolean started = channel.endpoint().hasStarted();
                builder.add(channel.endpoint().channel(), started, started ? null : NOT_STARTED);
            }
        }
        return builder.build();
    }
}
