package dev.pgmessaging.runtime.log;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the partition of a record the way Kafka's default partitioner does, so that a key lands
 * in the same partition here and in Kafka: the 32-bit MurmurHash2 of the key's bytes (seed
 * 0x9747b28c), made positive by clearing the sign bit, modulo the number of partitions. Records
 * without a key stick to one partition until {@code stickyRecords} of them went there, then go to
 * the next partition once the batch being written is done ({@link #batchWritten()}), in the spirit
 * of Kafka's sticky partitioner (KIP-794, which switches after a batch's worth of bytes): a batch
 * of keyless records then appends to one partition, taking one partition's lock and running one
 * insert, and the partitions get as many records each in the long run whatever the sizes of the
 * batches.
 */
public final class KeyPartitioner {

    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    /** Counts the partitions moved on to: keyless records go to this modulo the partition count. */
    private final AtomicInteger keyless = new AtomicInteger();
    /** Keyless records sent to the current partition. */
    private final AtomicInteger stuck = new AtomicInteger();
    /** Keyless records written on their own (see {@link #partitionInTurn}). */
    private final AtomicInteger inTurn = new AtomicInteger();
    private final int stickyRecords;

    /** @param stickyRecords how many keyless records go to a partition, at least, before the next one */
    public KeyPartitioner(int stickyRecords) {
        this.stickyRecords = stickyRecords;
    }

    /** A partitioner for keyed records; keyless records go to the partitions in turn, one batch each. */
    public KeyPartitioner() {
        this(1);
    }

    /** The partition of a record with these key bytes ({@code null}: no key). */
    public int partition(byte[] key, int partitions) {
        if (key == null) {
            stuck.incrementAndGet();
            return Math.floorMod(keyless.get(), partitions);
        }
        return (murmur2(key) & 0x7fffffff) % partitions;
    }

    /**
     * The partition of a record written on its own, in a caller's transaction: keyless records go
     * to the partitions in turn rather than stick, since such a write holds its partition's lock
     * until the transaction ends, and transactions sticking to one partition would wait for each
     * other.
     */
    public int partitionInTurn(byte[] key, int partitions) {
        if (key == null) {
            return Math.floorMod(inTurn.getAndIncrement(), partitions);
        }
        return partition(key, partitions);
    }

    /** A batch was written: keyless records go to the next partition if the current one got its share. */
    public void batchWritten() {
        if (stuck.get() >= stickyRecords) {
            stuck.set(0);
            keyless.incrementAndGet();
        }
    }

    /** MurmurHash2, 32 bits, little-endian blocks of four bytes. */
    public static int murmur2(byte[] data) {
        int length = data.length;
        int h = SEED ^ length;
        int blocks = length >>> 2;
        for (int b = 0; b < blocks; b++) {
            int at = b << 2;
            int k = (data[at] & 0xff) | (data[at + 1] & 0xff) << 8 | (data[at + 2] & 0xff) << 16
                    | (data[at + 3] & 0xff) << 24;
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = blocks << 2;
        int remaining = length - tail;
        if (remaining == 3) {
            h ^= (data[tail + 2] & 0xff) << 16;
        }
        if (remaining >= 2) {
            h ^= (data[tail + 1] & 0xff) << 8;
        }
        if (remaining >= 1) {
            h ^= data[tail] & 0xff;
            h *= M;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }
}
