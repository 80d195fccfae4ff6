package dev.pgmessaging.runtime.log;

/** One record a topic channel delivered: its partition, offset, and the read generation it was delivered in. */
record Delivery(PartitionProgress partition, long offset, int generation) {
}
