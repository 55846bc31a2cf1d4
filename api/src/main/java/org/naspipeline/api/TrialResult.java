package org.naspipeline.api;

/** The final outcome of one trial attempt: completed with metrics, or failed with a reason. */
public sealed interface TrialResult extends TrialEvent permits TrialResult.Completed, TrialResult.Failed {
    /** The worker that ran the attempt ({@code controller} when the controller ended it). */
    String workerId();

    /**
     * The attempt ended with a trained, measured model; {@code checkpoint} is set when the request had a
     * {@link Fidelity} (null otherwise, and from workers older than it).
     */
    record Completed(
            int schemaVersion,
            String experimentId,
            String trialId,
            int attempt,
            String workerId,
            TrialMetrics metrics,
            String artifactUri,
            @AddedField Checkpoint checkpoint)
            implements TrialResult {

        /** A result without checkpoint information. */
        public Completed(int schemaVersion, String experimentId, String trialId, int attempt, String workerId,
                         TrialMetrics metrics, String artifactUri) {
            this(schemaVersion, experimentId, trialId, attempt, workerId, metrics, artifactUri, null);
        }
    }

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
