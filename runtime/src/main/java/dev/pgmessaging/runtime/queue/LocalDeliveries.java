package dev.pgmessaging.runtime.queue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local delivery: a message that a producer of this application sends to a queue, while a consumer
 * of that queue in this application is idle, is stored already leased to that consumer and handed
 * to it once the send commits, as RabbitMQ pushes a message to a waiting consumer.
 * <p>
 * Why: otherwise the idle consumer is woken and claims the message with a statement of its own,
 * about half of a message's way from producer to consumer, and the most expensive statement of the
 * three a message costs (send, claim, ack). The lease is the same as a claim's (a token from the
 * same sequence, the consumer's visibility timeout), so acks, heartbeats, redelivery after a crash
 * and shutdown work as for claimed messages.
 * <p>
 * A consumer offers what it would claim ({@link LocalHandOff#reserve}) only while it waits with
 * nothing announced, that is when its last claim found the queue empty: a message never overtakes
 * waiting ones of the same queue that this consumer could have claimed. Ordered-by-key and batch
 * channels, and channels with {@code local-delivery=false}, do not take part.
 */
public final class LocalDeliveries {

    /** Messages reserved with a consumer, to be {@link LocalHandOff#deliver delivered} or {@link LocalHandOff#cancel cancelled}. */
    public record Reservation(LocalHandOff consumer, int count) {
    }

    private final Map<String, List<LocalHandOff>> consumers = new ConcurrentHashMap<>();
    /** Where the next reservation starts looking, so that idle consumers of one queue take turns. */
    private final AtomicInteger turn = new AtomicInteger();

    void register(String queue, LocalHandOff consumer) {
        consumers.computeIfAbsent(queue, q -> new CopyOnWriteArrayList<>()).add(consumer);
    }

    void unregister(String queue, LocalHandOff consumer) {
        List<LocalHandOff> list = consumers.get(queue);
        if (list != null) {
            list.remove(consumer);
        }
    }

    /**
     * Tells the consumers of the queue here that messages were stored which none of them was handed
     * (so that those that do not listen for notifications claim them too).
     */
    void announce(String queue) {
        List<LocalHandOff> list = consumers.get(queue);
        if (list != null) {
            list.forEach(LocalHandOff::announce);
        }
    }

    /**
     * Reserves room for up to {@code count} messages with an idle consumer of the queue.
     *
     * @return {@code null} if no consumer here has room
     */
    Reservation reserve(String queue, int count) {
        List<LocalHandOff> list = consumers.get(queue);
        if (list == null || count == 0) {
            return null;
        }
        LocalHandOff[] candidates = list.toArray(new LocalHandOff[0]);
        int first = Math.floorMod(turn.getAndIncrement(), Math.max(candidates.length, 1));
        for (int i = 0; i < candidates.length; i++) {
            LocalHandOff consumer = candidates[(first + i) % candidates.length];
            int reserved = consumer.reserve(count);
            if (reserved > 0) {
                return new Reservation(consumer, reserved);
            }
        }
        return null;
    }
}
