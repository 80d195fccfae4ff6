package dev.pgmessaging.runtime.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.IntStream;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * A key goes to the same partition as with Kafka's default partitioner: checked against known
 * MurmurHash2 values and against Kafka's own implementation (kafka-clients) on random keys.
 * Keyless records stick to a partition for whole batches, until it got a batch's worth of records.
 */
class KeyPartitionerTest {

    @Test
    void knownMurmur2Values() {
        // the values Kafka's own tests check its murmur2 against
        assertEquals(-973932308, KeyPartitioner.murmur2("21".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-790332482, KeyPartitioner.murmur2("foobar".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-985981536, KeyPartitioner.murmur2("a-little-bit-long-string".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-1486304829, KeyPartitioner.murmur2("a-little-bit-longer-string".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-58897971,
                KeyPartitioner.murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8".getBytes(StandardCharsets.UTF_8)));
        assertEquals(479470107, KeyPartitioner.murmur2(new byte[] { 'a', 'b', 'c' }));
        // and the same from Kafka's implementation, so that the values above are Kafka's indeed
        assertEquals(-1486304829, Utils.murmur2("a-little-bit-longer-string".getBytes(StandardCharsets.UTF_8)));
        assertEquals(479470107, Utils.murmur2(new byte[] { 'a', 'b', 'c' }));
    }

    @Test
    void sameHashAndPartitionAsKafkaForRandomKeys() {
        Random random = new Random(42);
        KeyPartitioner partitioner = new KeyPartitioner();
        for (int i = 0; i < 100_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(64);
            assertEquals(Utils.murmur2(key), KeyPartitioner.murmur2(key));
            assertEquals(Utils.toPositive(Utils.murmur2(key)) % partitions, partitioner.partition(key, partitions));
        }
    }

    @Test
    void keylessRecordsStickToAPartitionForWholeBatchesThenMoveOn() {
        KeyPartitioner partitioner = new KeyPartitioner(500);
        int[] counts = new int[4];
        // bursts of 501 sent as a batch of 500 and one of 1: the single records must not pile up
        // in one partition (moving on after every batch would put all 500s in partitions 0 and 2)
        for (int burst = 0; burst < 40; burst++) {
            for (int size : new int[] { 500, 1 }) {
                int first = partitioner.partition(null, 4);
                counts[first]++;
                for (int i = 1; i < size; i++) {
                    assertEquals(first, partitioner.partition(null, 4), "every keyless record of a batch in one partition");
                    counts[first]++;
                }
                partitioner.batchWritten();
            }
        }
        for (int count : counts) {
            assertEquals(40 * 501 / 4.0, count, 501, "each partition about a quarter: " + java.util.Arrays.toString(counts));
        }
        assertEquals((KeyPartitioner.murmur2(new byte[] { 1 }) & 0x7fffffff) % 4, partitioner.partition(new byte[] { 1 }, 4),
                "keyed records are not sticky");
    }

    @Test
    void keylessRecordsWrittenOnTheirOwnGoToThePartitionsInTurn() {
        KeyPartitioner partitioner = new KeyPartitioner(500);
        int[] partitions = IntStream.range(0, 6).map(i -> partitioner.partitionInTurn(null, 4)).toArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] { 0, 1, 2, 3, 0, 1 }, partitions,
                "sends in transactions hold their partition's lock: they must not stick to one");
        assertEquals(0, partitioner.partition(null, 4), "the writer's batches stick where they were");
    }

    @Test
    void keysAreSerializedAsKafkasSerializersDo() {
        assertEquals(new org.apache.kafka.common.serialization.StringSerializer().serialize("t", "order-42").length,
                RecordKeys.serialize("order-42").length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new org.apache.kafka.common.serialization.StringSerializer().serialize("t", "zürich"),
                RecordKeys.serialize("zürich"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new org.apache.kafka.common.serialization.IntegerSerializer().serialize("t", -123456),
                RecordKeys.serialize(-123456));
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new org.apache.kafka.common.serialization.LongSerializer().serialize("t", 1L << 40),
                RecordKeys.serialize(1L << 40));
        assertEquals(-123456, RecordKeys.deserialize(RecordKeys.serialize(-123456), Integer.class));
        assertEquals("zürich", RecordKeys.deserialize(RecordKeys.serialize("zürich"), String.class));
    }
}
