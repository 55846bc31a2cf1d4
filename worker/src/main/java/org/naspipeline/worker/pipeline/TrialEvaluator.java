package org.naspipeline.worker.pipeline;

import java.util.function.BooleanSupplier;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;

/** Turns a trial request into a result: the real DJL pipeline, or the synthetic one for load and chaos tests. */
public interface TrialEvaluator extends AutoCloseable {
    /** Runs the trial, reporting epochs to {@code progress}, checking {@code cancelled} as it goes. */
    TrialResult run(TrialRequest request, ProgressListener progress, BooleanSupplier cancelled);

    /** Where trials run, for logs and results ("cpu()", "gpu(0)", "synthetic"). */
    String device();

    /**
     * Loads what trials need (the engine's native libraries) and names it, for the readiness check; throws when it
     * cannot be loaded. May be slow the first time.
     */
    String engine();

    /** Releases what the evaluator holds on this host (a worker's registration); nothing by default. */
    @Override
    default void close() {}
}
