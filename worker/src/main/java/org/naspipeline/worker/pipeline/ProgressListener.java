package org.naspipeline.worker.pipeline;

import org.naspipeline.api.TrialEvent;

/** Receives per-epoch progress of a running trial; the worker service publishes it on Kafka. */
@FunctionalInterface
public interface ProgressListener {
    /** Called after each epoch, on the training thread. */
    void onEpoch(TrialEvent.Progress progress);

    /** A listener that drops progress. */
    ProgressListener NONE = p -> {};
}
