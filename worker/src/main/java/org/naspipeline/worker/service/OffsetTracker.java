package org.naspipeline.worker.service;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Tracks records taken per partition and which have been finished, so only the contiguous finished prefix is
 * committed: with several slots, a later record may finish before an earlier one, and committing past the
 * earlier one would lose it if the worker died.
 */
final class OffsetTracker {
    private final Map<TopicPartition, TreeMap<Long, Boolean>> pending = new HashMap<>();

    /** A record was taken for processing. */
    void taken(TopicPartition tp, long offset) {
        pending.computeIfAbsent(tp, k -> new TreeMap<>()).put(offset, false);
    }

    /** A taken record is finished (its result was produced, or it went to the DLQ). */
    void finished(TopicPartition tp, long offset) {
        TreeMap<Long, Boolean> offsets = pending.get(tp);
        if (offsets != null && offsets.containsKey(offset)) {
            offsets.put(offset, true);
        }
    }

    /** Removes the finished prefix of each partition and returns the offset to commit for it (last + 1). */
    Map<TopicPartition, Long> drainCommittable() {
        Map<TopicPartition, Long> commits = new HashMap<>();
        for (Map.Entry<TopicPartition, TreeMap<Long, Boolean>> e : pending.entrySet()) {
            TreeMap<Long, Boolean> offsets = e.getValue();
            Long next = null;
            while (!offsets.isEmpty() && offsets.firstEntry().getValue()) {
                next = offsets.pollFirstEntry().getKey() + 1;
            }
            if (next != null) {
                commits.put(e.getKey(), next);
            }
        }
        return commits;
    }

    /** Forgets a partition that was revoked; its unfinished records belong to the next owner. */
    void forget(TopicPartition tp) {
        pending.remove(tp);
    }

    /** Records taken and not yet finished, across partitions. */
    int inFlight() {
        return pending.values().stream().mapToInt(m -> (int) m.values().stream().filter(done -> !done).count()).sum();
    }
}
