package org.naspipeline.controller.streams;

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
 *
 * <p>Streams calls the partitioner synchronously from {@code forward}, on the thread that forwards. The processor
 * therefore announces each request it forwards ({@link #forwarding}), and the partitioner uses that instead of
 * parsing the request's JSON again; any other value is parsed.
 */
public final class SlotPartitioner implements StreamPartitioner<String, byte[]> {
    /** The request being forwarded on this thread: the serialized value, identical by reference, and its request. */
    private record Forwarding(byte[] value, TrialRequest request) {}

    private static final ThreadLocal<Forwarding> FORWARDING = new ThreadLocal<>();

    /** Announces that {@code value}, the serialization of {@code request}, is forwarded next on this thread. */
    static void forwarding(byte[] value, TrialRequest request) {
        FORWARDING.set(new Forwarding(value, request));
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, byte[] value, int numPartitions) {
        Forwarding announced = FORWARDING.get();
        TrialRequest request = announced != null && announced.value() == value ? announced.request()
                : JsonCodec.readStoredState(value, TrialRequest.class); // written by this controller
        FORWARDING.remove();
        if (request.slot() == null) {
            return Optional.empty();
        }
        int offset = Utils.toPositive(Utils.murmur2(request.experimentId().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return Optional.of(Set.of(Math.floorMod(request.slot() + offset, numPartitions)));
    }
}
