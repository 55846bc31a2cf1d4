package org.naspipeline.controller;

import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialRequest;

/**
 * Places a trial request on the partition of its parallelism slot, offset per experiment:
 * {@code (slot + hash(experimentId)) mod partitions}. A slot keeps its partition, so the trial that refills a freed
 * slot lands on the partition, and so the worker, that just finished one; hashing trial ids instead leaves some
 * workers queues of several trials while others idle (measured in docs/benchmarks.md, {@code nas bench workers}).
 */
final class SlotPartitioner implements StreamPartitioner<String, byte[]> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, byte[] value, int numPartitions) {
        TrialRequest request = JsonCodec.readStoredState(value, TrialRequest.class); // written by this controller
        if (request.slot() == null) {
            return Optional.empty();
        }
        int offset = Utils.toPositive(Utils.murmur2(request.experimentId().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return Optional.of(Set.of(Math.floorMod(request.slot() + offset, numPartitions)));
    }
}
