package org.naspipeline.worker.pipeline;

import org.naspipeline.api.TrialEvent;

/** Receives per-epoch progress of a running trial; the worker service publishes it on Kafka. */
@FunctionalInterface
public interface ProgressListener {
    /** Called after each epoch, on the training thread. */
    void onEpoch(TrialEvent.Progress progress);

    /** Called when a phase of the pipeline (train, prune, quantize, distill, lowrank, measure) ends. */
    default void onPhase(String phase, double seconds) {}

    /** A listener that drops progress. */
    ProgressListener NONE = p -> {};
}
