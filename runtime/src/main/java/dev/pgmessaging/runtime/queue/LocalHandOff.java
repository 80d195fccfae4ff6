package dev.pgmessaging.runtime.queue;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.time.Duration;
import java.util.List;

/**
 * A queue channel's side of local delivery ({@link LocalDeliveries}): the room it offers the
 * producers of this application while idle, for messages they store leased to it in place of the
 * claim it would have made. Its monitor guards the offer and the reservations against the
 * producers, and makes a delivery (leases held, then the reservation taken back) atomic for the
 * channel's thread, which counts both to size its claims.
 */
final class LocalHandOff {

    private final QueueSource channel;
    /** How many messages producers may still reserve: what the idle channel would have claimed. */
    private int offered;
    /** Messages reserved by producers and not delivered yet: the channel does not claim them too. */
    private int reserved;

    LocalHandOff(QueueSource channel) {
        this.channel = channel;
    }

    /** The channel offers room for {@code count} messages (0: withdraws its offer). */
    synchronized void offer(int count) {
        offered = count;
    }

    /** Messages reserved and not delivered yet. */
    synchronized int reserved() {
        return reserved;
    }

    /**
     * A producer reserves room for up to {@code count} messages it is about to send, stored leased
     * to this channel; it then {@link #deliver}s them, or {@link #cancel}s if it could not send.
     *
     * @return how many it may lease to this channel (0: none)
     */
    synchronized int reserve(int count) {
        int granted = Math.min(offered, count);
        offered -= granted;
        reserved += granted;
        return granted;
    }

    /** The producer could not send what it reserved: the room is the channel's again. */
    void cancel(int count) {
        synchronized (this) {
            reserved -= count;
        }
        channel.wakeUp();
    }

    /** The visibility timeout of the leases a producer gives messages it sends to this channel. */
    Duration visibilityTimeout() {
        return channel.visibilityTimeout();
    }

    /**
     * Takes the messages a producer sent leased to this channel (committed), in place of the
     * {@code count} it reserved: they are emitted as if claimed. A channel that stopped meanwhile
     * gives them back to the queue at once.
     */
    void deliver(List<ClaimedMessage> messages, int count) {
        boolean taken;
        synchronized (this) {
            taken = channel.isClaiming();
            try {
                if (taken) {
                    // leases held and messages in transit before the reservation goes: the channel
                    // never counts these messages out twice or not at all. (The idle poller is not
                    // put off: these messages say nothing of what else became visible meanwhile.)
                    channel.emitDelivered(messages);
                }
            } catch (RuntimeException e) {
                LOG.couldNotEmitLocal(channel.channel(), messages.size(), e);
            } finally {
                reserved -= count;
            }
        }
        if (taken) {
            // the channel may sleep without a timeout while it holds no lease: it renews these ones
            channel.wakeUp();
        } else {
            channel.giveBack(messages);
        }
    }

    /** Messages were stored that this channel was not handed: it claims at its next turn. */
    void announce() {
        channel.announce();
    }
}
