package dev.pgmessaging.runtime.metrics;

import java.util.List;

import dev.pgmessaging.runtime.api.QueueInfo;

/** A datasource's queues and topic partitions at one moment, as its gauges show them. */
public record StorageSnapshot(List<QueueInfo> queues, List<PartitionOffsets> partitions) {
}
