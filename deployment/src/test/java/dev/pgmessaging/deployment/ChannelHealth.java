package dev.pgmessaging.deployment;

import dev.pgmessaging.runtime.PostgresConnector;
import io.smallrye.reactive.messaging.health.HealthReport;

/** What the connector's health checks say of one channel. */
public final class ChannelHealth {

    private ChannelHealth() {
    }

    public static boolean ready(PostgresConnector connector, String channel) {
        return ok(connector.getReadiness(), channel);
    }

    public static boolean live(PostgresConnector connector, String channel) {
        return ok(connector.getLiveness(), channel);
    }

    private static boolean ok(HealthReport report, String channel) {
        return report.getChannels().stream().filter(c -> c.getChannel().equals(channel))
                .allMatch(HealthReport.ChannelInfo::isOk);
    }
}
