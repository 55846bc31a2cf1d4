package org.naspipeline.controller.streams;

import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.naspipeline.api.TrialRequest;

/**
 * Places a trial request on the partition of its parallelism slot, offset per experiment:
 * {@code (slot + hash(experimentId)) mod partitions}. A slot keeps its partition, so the trial that refills a freed
 * slot lands on the partition, and so the worker, that just finished one; hashing trial ids instead leaves some
 * workers queues of several trials while others idle (measured in docs/benchmarks.md, {@code nas bench workers}).
 * The trials sink serializes requests itself ({@link RecordSerializer}), so the partitioner is handed the request
 * the processor forwarded and reads its slot without parsing anything.
 */
final class SlotPartitioner implements StreamPartitioner<String, TrialRequest> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, TrialRequest request, int numPartitions) {
        if (request.slot() == null) {
            return Optional.empty();
        }
        int offset = Utils.toPositive(Utils.murmur2(request.experimentId().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return Optional.of(Set.of(Math.floorMod(request.slot() + offset, numPartitions)));
    }
}
