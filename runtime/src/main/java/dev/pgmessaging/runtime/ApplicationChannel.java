package dev.pgmessaging.runtime;

import java.util.Map;

import dev.pgmessaging.runtime.api.ChannelInfo;
import dev.pgmessaging.runtime.channel.ChannelEndpoint;
import dev.pgmessaging.runtime.channel.ConsumerChannel;

/**
 * A channel end the connector opened, with what it resolved to at startup; its state is read live.
 *
 * @param healthReported whether the health checks report it ({@code health-enabled})
 * @param readinessReported whether the readiness check does ({@code health-readiness-enabled} too)
 */
record ApplicationChannel(ChannelEndpoint endpoint, String direction, String model, String dataSource,
        Map<String, String> attributes, boolean healthReported, boolean readinessReported) {

    ChannelInfo info() {
        boolean paused = endpoint instanceof ConsumerChannel consumer && consumer.isPaused();
        return new ChannelInfo(endpoint.channel(), direction, model, dataSource, paused, endpoint.failure(),
                attributes);
    }
}
