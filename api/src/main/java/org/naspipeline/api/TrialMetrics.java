package org.naspipeline.api;

/**
 * What a worker measured for a trained model. Latency is measured at batch 1 on {@code device} with
 * {@code threads} intra-op threads; size is the byte count of the saved artifact.
 */
public record TrialMetrics(
        double accuracy,
        double trainLoss,
        double latencyMsP50,
        double latencyMsP95,
        long params,
        long sizeBytes,
        double trainSeconds,
        double samplesPerSecond,
        int trainSamples,
        int testSamples,
        String device,
        int threads) {}
