package dev.pgmessaging.runtime.logging;

import static org.jboss.logging.Logger.Level.ERROR;
import static org.jboss.logging.Logger.Level.INFO;
import static org.jboss.logging.Logger.Level.WARN;

import java.lang.invoke.MethodHandles;
import java.time.Duration;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/**
 * Every line the connector logs, one wording per event, with an ID an operator can search for
 * ({@code PGMSG0001}…). IDs are never reused: a message that goes away leaves its number unused.
 * <ul>
 * <li>1–99: incoming channels, queue and topic alike;
 * <li>100–149: queue consumers, the idle poller and the notification listener;
 * <li>150–199: topic consumers and their groups;
 * <li>200–249: outgoing channels;
 * <li>250–299: schema, storage upkeep, transactions;
 * <li>300–349: metrics.
 * </ul>
 * Debug lines carry no ID: they are for the people reading the code.
 */
@MessageLogger(projectCode = "PGMSG", length = 4)
public interface PostgresLogging extends BasicLogger {

    /** The one category of the connector's log, {@code dev.pgmessaging}. */
    PostgresLogging LOG = Logger.getMessageLogger(MethodHandles.lookup(), PostgresLogging.class, "dev.pgmessaging");

    // --- incoming channels (1-99)

    @LogMessage(level = WARN)
    @Message(id = 1, value = "Channel %s cannot reach %s: %s; retrying every %s")
    void cannotReach(String channel, String source, String reason, Duration interval);

    @LogMessage(level = ERROR)
    @Message(id = 2, value = "Channel %s stops: a message failed and its failure-strategy is fail: %s")
    void failStopped(String channel, Throwable reason);

    @LogMessage(level = WARN)
    @Message(id = 3, value = "Channel %s ignores the failure of %s and acks it (failure-strategy=ignore): %s")
    void failureIgnored(String channel, String what, Throwable reason);

    @LogMessage(level = WARN)
    @Message(id = 4, value = "Channel %s delivers %s again: its handler failed because the database did (%s); this is"
            + " not a failure of the message")
    void deliveredAgainAfterDatabaseFailure(String channel, String what, String reason);

    @LogMessage(level = WARN)
    @Message(id = 5, value = "Channel %s: the handler of %s failed (%s) after its transaction had acked it and"
            + " committed: it is not delivered again")
    void failedAfterCommit(String channel, String what, Throwable reason);

    @LogMessage(level = ERROR)
    @Message(id = 6, value = "Channel %s could not emit a message")
    void couldNotEmit(String channel, @Cause Throwable cause);

    @LogMessage(level = INFO)
    @Message(id = 7, value = "Channel %s is paused: it takes nothing more from %s, and gives back what it holds ahead of its handler")
    void paused(String channel, String source);

    @LogMessage(level = INFO)
    @Message(id = 8, value = "Channel %s resumes taking from %s")
    void resumed(String channel, String source);

    // --- queue consumers (100-149)

    @LogMessage(level = WARN)
    @Message(id = 100, value = "Channel %s could not settle or release its last messages before stopping (%s); they"
            + " will be delivered again after their visibility timeout")
    void couldNotReleaseOnStop(String channel, String reason);

    @LogMessage(level = INFO)
    @Message(id = 101, value = "Channel %s gave %d unfinished message(s) back to queue %s")
    void gaveBack(String channel, int count, String queue);

    @LogMessage(level = ERROR)
    @Message(id = 102, value = "Channel %s could not emit %d message(s) sent to it; they will be delivered again after"
            + " their visibility timeout")
    void couldNotEmitLocal(String channel, int count, @Cause Throwable cause);

    @LogMessage(level = WARN)
    @Message(id = 103, value = "Channel %s could not give back %d message(s) sent to it as it stopped (%s); they will"
            + " be delivered again after their visibility timeout")
    void couldNotGiveBackLocal(String channel, int count, String reason);

    @LogMessage(level = ERROR)
    @Message(id = 104, value = "Channel %s gives up on message %d after %d attempts and drops it: %s")
    void retriesExhausted(String channel, long id, int attempts, Throwable reason);

    @LogMessage(level = ERROR)
    @Message(id = 105, value = "Channel %s moved message %d (attempt %d) to the dead-letter queue %s: %s")
    void deadLettered(String channel, long id, int attempt, String deadLetterQueue, Throwable reason);

    @LogMessage(level = ERROR)
    @Message(id = 106, value = "A send stored %d messages leased to a local consumer instead of %d; they will be"
            + " delivered after their visibility timeout")
    void localDeliveryMismatch(int stored, int expected);

    @LogMessage(level = INFO)
    @Message(id = 107, value = "Idle queue consumers are polled again")
    void pollingAgain();

    @LogMessage(level = WARN)
    @Message(id = 108, value = "Could not poll the idle queues %s (%s); trying again at their next poll interval")
    void couldNotPoll(String queues, String reason);

    @LogMessage(level = INFO)
    @Message(id = 109, value = "Listening for notifications on %s again")
    void listeningAgain(String notificationChannel);

    @LogMessage(level = WARN)
    @Message(id = 110, value = "Lost the notification connection (%s); consumers fall back to polling until it is back")
    void notificationsLost(String reason);

    // --- topic consumers (150-199)

    @LogMessage(level = WARN)
    @Message(id = 150, value = "Channel %s could not commit or leave group %s before stopping (%s); its partitions"
            + " move to the other members after the session timeout")
    void couldNotLeaveGroup(String channel, String group, String reason);

    @LogMessage(level = WARN)
    @Message(id = 151, value = "Group %s was at offset %d of %s-%d, which retention has dropped: it goes on at the"
            + " earliest offset kept, %d")
    void offsetDropped(String group, long offset, String topic, int partition, long logStartOffset);

    @LogMessage(level = WARN)
    @Message(id = 152, value = "Channel %s made no progress on %s-%d for over %d s though %d record(s) wait past offset"
            + " %d and none is with the handler: it reads the partition again from there")
    void partitionStalled(String channel, String topic, int partition, long seconds, long waiting, long committed);

    @LogMessage(level = WARN)
    @Message(id = 153, value = "Channel %s made no progress on %s-%d for over %d s: its handler holds %d record(s) of it"
            + " (from offset %d) and %d record(s) wait; a handler that does not return holds the partition up")
    void handlerHoldsPartition(String channel, String topic, int partition, long seconds, int inFlight, long committed,
            long waiting);

    @LogMessage(level = INFO)
    @Message(id = 154, value = "Channel %s lost %s-%d before committing offset %d (it went to another member of group %s,"
            + " or the group was moved by a seek): the partition's records from the group's offset on are read by its"
            + " owner now")
    void partitionLost(String channel, String topic, int partition, long offset, String group);

    @LogMessage(level = INFO)
    @Message(id = 155, value = "Channel %s moved group %s on topic %s to %s (seek): %s")
    void seekOnStart(String channel, String group, String topic, Object seekTo, Object moved);

    // --- outgoing channels (200-249)

    @LogMessage(level = WARN)
    @Message(id = 200, value = "Channel %s could not mark the sender's transaction rollback-only: %s")
    void couldNotMarkRollbackOnly(String channel, String reason);

    @LogMessage(level = ERROR)
    @Message(id = 201, value = "Channel %s cannot send a message: %s")
    void cannotSend(String channel, String reason);

    @LogMessage(level = ERROR)
    @Message(id = 202, value = "Channel %s could not send %d message(s) to %s: %s")
    void couldNotSend(String channel, int count, String destination, String reason);

    @LogMessage(level = WARN)
    @Message(id = 203, value = "Channel %s could not send %d message(s) to %s (%s); trying again for up to %d s"
            + " (delivery-timeout)")
    void sendRetrying(String channel, int count, String destination, String reason, long seconds);

    @LogMessage(level = INFO)
    @Message(id = 204, value = "Channel %s sent %d message(s) to %s after the database came back")
    void sentAfterRecovery(String channel, int count, String destination);

    @LogMessage(level = ERROR)
    @Message(id = 205, value = "Channel %s gave up sending messages to %s after its delivery timeout: %s")
    void deliveryTimedOut(String channel, String destination, String reason);

    @LogMessage(level = ERROR)
    @Message(id = 206, value = "Channel %s failed upstream")
    void upstreamFailed(String channel, @Cause Throwable cause);

    @LogMessage(level = WARN)
    @Message(id = 207, value = "Channel %s dropped a message with routing key '%s': it matched no binding of exchange %s"
            + " (%d dropped so far; set unroutable=fail or alternate-queue to keep them)")
    void unroutableDropped(String channel, String routingKey, String exchange, long dropped);

    // --- schema, storage, transactions (250-299)

    @LogMessage(level = INFO)
    @Message(id = 250, value = "Applying messaging schema migration %s to schema %s")
    void applyingMigration(String file, String schema);

    @LogMessage(level = WARN)
    @Message(id = 251, value = "Could not rotate the slots of the message table (retrying every second): %s%s")
    void couldNotRotate(String reason, String advice);

    @LogMessage(level = INFO)
    @Message(id = 252, value = "Dropped %d log segment(s) past their topic's retention")
    void segmentsDropped(int count);

    @LogMessage(level = INFO)
    @Message(id = 253, value = "Dropped %d archive partition(s) older than %s")
    void archivePartitionsDropped(int count, Duration retention);

    @LogMessage(level = WARN)
    @Message(id = 254, value = "Could not sweep the messaging tables (retrying every %ds): %s%s")
    void couldNotSweep(long intervalSeconds, String reason, String advice);

    // --- metrics (300-349)

    @LogMessage(level = WARN)
    @Message(id = 300, value = "Could not refresh the messaging gauges of datasource %s (they keep their last values): %s")
    void gaugesNotRefreshed(String dataSource, String reason);
}
