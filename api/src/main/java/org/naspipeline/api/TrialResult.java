package org.naspipeline.api;

/** The final outcome of one trial attempt: completed with metrics, or failed with a reason. */
public sealed interface TrialResult extends TrialEvent permits TrialResult.Completed, TrialResult.Failed {
    /** The worker that ran the attempt ({@code controller} when the controller ended it). */
    String workerId();

    /** The attempt ended with a trained, measured model. */
    record Completed(
            int schemaVersion,
            String experimentId,
            String trialId,
            int attempt,
            String workerId,
            TrialMetrics metrics,
            String artifactUri)
            implements TrialResult {}

    /** The attempt failed; {@code retriable} says whether running it again could succeed. */
    record Failed(
            int schemaVersion,
            String experimentId,
            String trialId,
            int attempt,
            String workerId,
            String reason,
            boolean retriable)
            implements TrialResult {}
}
