package dev.pgmessaging.runtime.metrics;

/**
 * Every meter of the connector: its name, kind, unit, tags and meaning, declared once. The
 * observability page's table is rendered from here (MeterTableTest).
 */
public enum Meter {

    // per channel
    SENT("pgmessaging.messages.sent", Kind.COUNTER, null, "channel, datasource",
            "Messages an outgoing channel wrote: in its own transaction, or in the caller's (sends inside a transaction, the outbox) once written there."),
    DEDUPLICATED("pgmessaging.messages.deduplicated", Kind.COUNTER, null, "channel, datasource",
            "Queue messages an outgoing channel sent that were dropped as duplicates (a deduplication id seen within the window); they count as sent too."),
    DELIVERED("pgmessaging.messages.delivered", Kind.COUNTER, null, "channel, datasource",
            "Messages (queue) or records (topic) handed to the application's handler, redeliveries included."),
    ACKED("pgmessaging.messages.acked", Kind.COUNTER, null, "channel, datasource", "Messages or records acked."),
    NACKED("pgmessaging.messages.nacked", Kind.COUNTER, null, "channel, datasource",
            "Messages or records nacked (the handler failed); the failure strategy then retries, dead-letters, ignores or stops."),
    RETRIED("pgmessaging.messages.retried", Kind.COUNTER, null, "channel, datasource",
            "Queue messages given back to be delivered again after a nack (`retry` strategy, and `dead-letter` before its last attempt)."),
    DEAD_LETTERED("pgmessaging.messages.dead.lettered", Kind.COUNTER, null, "channel, datasource",
            "Queue messages moved to the dead-letter queue (attempts exhausted, or a payload that cannot be read)."),
    EXPIRED("pgmessaging.messages.expired", Kind.COUNTER, null, "channel, datasource",
            "Queue messages whose time to live ran out, removed (or dead-lettered, `dead-letter-expired`) by the channel's claims."),
    WAIT("pgmessaging.message.wait", Kind.TIMER, "seconds", "channel, datasource",
            "How long a message waited from its send (its enqueue time; a record's timestamp) to its delivery, by the database's clock against the application's."),
    HANDLING("pgmessaging.message.handling", Kind.TIMER, "seconds", "channel, datasource",
            "How long the handler took, from the delivery to the ack or nack."),

    // per queue, refreshed together
    QUEUE_READY("pgmessaging.queue.ready", Kind.GAUGE, null, "queue, datasource",
            "Messages a consumer may take now (never leased, or their lease ran out)."),
    QUEUE_DELAYED("pgmessaging.queue.delayed", Kind.GAUGE, null, "queue, datasource",
            "Messages not visible yet (a delay, a retry's backoff)."),
    QUEUE_IN_FLIGHT("pgmessaging.queue.in.flight", Kind.GAUGE, null, "queue, datasource",
            "Messages leased by a consumer, within their visibility timeout."),
    QUEUE_DEAD_LETTERED("pgmessaging.queue.dead.lettered", Kind.GAUGE, null, "queue, datasource",
            "Messages in the queue's dead-letter queue (none for a queue that is itself one)."),
    QUEUE_OLDEST_READY_AGE("pgmessaging.queue.oldest.ready.age", Kind.GAUGE, "seconds", "queue, datasource",
            "How long the oldest ready message has waited since it was sent; 0 when none is ready."),

    // per topic partition and group, refreshed together
    TOPIC_END_OFFSET("pgmessaging.topic.end.offset", Kind.GAUGE, null, "topic, partition, datasource",
            "The partition's log end offset: the offset its next record gets."),
    GROUP_COMMITTED_OFFSET("pgmessaging.group.committed.offset", Kind.GAUGE, null, "topic, group, partition, datasource",
            "The group's committed offset on the partition: the next record it reads (NaN until it first commits)."),
    GROUP_LAG("pgmessaging.group.lag", Kind.GAUGE, null, "topic, group, partition, datasource",
            "Records of the partition the group has yet to read."),
    GROUP_OLDEST_UNCONSUMED_AGE("pgmessaging.group.oldest.unconsumed.age", Kind.GAUGE, "seconds",
            "topic, group, partition, datasource",
            "How long ago the oldest record the group has not read was appended; 0 when it has read everything."),

    // per datasource
    GAUGES_REFRESH("pgmessaging.gauges.refresh", Kind.GAUGE, "seconds", "datasource",
            "How long the last refresh of the datasource's queue and topic gauges took (its two statements, as the application saw them)."),
    GAUGES_REFRESH_FAILURES("pgmessaging.gauges.refresh.failures", Kind.COUNTER, null, "datasource",
            "Refreshes of the gauges that failed (the gauges keep their last values).");

    /** How a meter is exported. */
    public enum Kind {
        COUNTER,
        GAUGE,
        TIMER
    }

    public final String meterName;
    public final Kind kind;
    /** The base unit, or {@code null} for a count. */
    public final String unit;
    public final String tags;
    public final String description;

    Meter(String meterName, Kind kind, String unit, String tags, String description) {
        this.meterName = meterName;
        this.kind = kind;
        this.unit = unit;
        this.tags = tags;
        this.description = description;
    }
}
