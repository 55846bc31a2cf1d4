package org.naspipeline.api;

/** A trial for a worker to run: one candidate, how to train it, and on which data. Key on the topic: trialId. */
public record TrialRequest(
        int schemaVersion,
        String experimentId,
        String trialId,
        int attempt,
        Candidate candidate,
        DatasetSpec dataset,
        TrainingSpec training,
        long seed) {}
