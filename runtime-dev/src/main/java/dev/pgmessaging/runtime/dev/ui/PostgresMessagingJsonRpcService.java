package dev.pgmessaging.runtime.dev.ui;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgmessaging.runtime.api.ChannelInfo;
import dev.pgmessaging.runtime.api.MessageSelection;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The Dev UI's methods (JSON-RPC, dev mode only): the {@link PostgresMessaging} admin API, answered
 * in the JSON the admin endpoints answer (the application's {@link ObjectMapper}), so that the card
 * and the console read the same fields.
 */
public class PostgresMessagingJsonRpcService {

    /** The most messages one peek returns in the card. */
    private static final int PAGE = 50;
    /** How much of each payload the card shows. */
    private static final int PAYLOAD_BYTES = 4096;

    @Inject
    PostgresMessaging messaging;
    @Inject
    ObjectMapper mapper;

    public JsonArray getChannels() {
        return array(messaging.channels());
    }

    /** The datasources the application's channels use, the default one first (only they can be named). */
    public JsonArray getDataSources() {
        Set<String> names = new TreeSet<>(Comparator
                .comparing((String name) -> !name.equals(PostgresMessaging.DEFAULT_DATASOURCE))
                .thenComparing(Comparator.naturalOrder()));
        messaging.channels().stream().map(ChannelInfo::dataSource).forEach(names::add);
        return new JsonArray(List.copyOf(names));
    }

    public JsonArray getQueues(String dataSource) {
        return array(messaging.queues(dataSource));
    }

    /** A page of a queue's messages after {@code afterId} (0 for the first). */
    public JsonArray peek(String dataSource, String queue, long afterId) {
        return array(messaging.peek(dataSource, queue, afterId, PAGE, PAYLOAD_BYTES));
    }

    /**
     * Redrives dead letters of {@code deadLetterQueue}: those with these ids, or all of them when
     * {@code ids} is empty.
     *
     * @return how many went back to each queue
     */
    public JsonObject redrive(String dataSource, String deadLetterQueue, List<Long> ids) {
        MessageSelection selection = ids == null || ids.isEmpty() ? MessageSelection.all() : MessageSelection.ids(ids);
        return new JsonObject(Map.copyOf(messaging.redrive(dataSource, deadLetterQueue, selection)));
    }

    public JsonArray getExchanges(String dataSource) {
        return array(messaging.exchanges(dataSource));
    }

    public JsonArray getTopics(String dataSource) {
        return array(messaging.topics(dataSource));
    }

    /** A consumer group on a topic: its live members and, per partition, its offsets and lag. */
    public JsonObject getGroup(String dataSource, String group, String topic) {
        return new JsonObject(json(messaging.group(dataSource, group, topic)));
    }

    public JsonArray pause(String channel) {
        messaging.pause(channel);
        return getChannels();
    }

    public JsonArray resume(String channel) {
        messaging.resume(channel);
        return getChannels();
    }

    private JsonArray array(List<?> values) {
        return new JsonArray(json(values));
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
