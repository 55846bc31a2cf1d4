package org.naspipeline.api;

/**
 * A trial for a worker to run: one candidate, how to train it, and on which data. Key on the topic: trialId.
 * {@code slot} is the experiment's parallelism slot the trial occupies (0 to parallelism − 1, kept across
 * attempts); the controller places the request on the partition of its slot, so a freed slot is refilled on the
 * partition, and so the worker, that just became free. Null from producers that do not assign slots.
 * {@code fidelity} is set by a multi-fidelity scheduler: the rung trained to, checkpointing and the checkpoint to
 * continue from (null: train {@code training.epochs} from scratch).
 */
public record TrialRequest(
        int schemaVersion,
        String experimentId,
        String trialId,
        int attempt,
        Candidate candidate,
        DatasetSpec dataset,
        TrainingSpec training,
        long seed,
        Integer slot,
        @AddedField Fidelity fidelity) {

    /** A request without a fidelity (the whole training from scratch). */
    public TrialRequest(int schemaVersion, String experimentId, String trialId, int attempt, Candidate candidate,
                        DatasetSpec dataset, TrainingSpec training, long seed, Integer slot) {
        this(schemaVersion, experimentId, trialId, attempt, candidate, dataset, training, seed, slot, null);
    }

    /** A request without a slot (placed by the key's hash). */
    public TrialRequest(int schemaVersion, String experimentId, String trialId, int attempt, Candidate candidate,
                        DatasetSpec dataset, TrainingSpec training, long seed) {
        this(schemaVersion, experimentId, trialId, attempt, candidate, dataset, training, seed, null, null);
    }
}
