package org.naspipeline.worker.onnx;

import java.util.Arrays;

/**
 * Forward latency of an ONNX Runtime session in ms at {@code batch} examples on {@code threads} intra-op
 * threads: median, 95th percentile and coefficient of variation of {@code runs} timed runs. The statistics are
 * those of the DJL measurement ({@code pipeline.ModelMeter}): p50 = sorted[n/2], p95 = sorted[⌈0.95n⌉ − 1],
 * cv = sample standard deviation / mean.
 */
public record Latency(double p50, double p95, double cv, int runs, int batch, int threads) {

    /** The statistics of {@code nanos} (at least one run). */
    static Latency of(long[] nanos, int batch, int threads) {
        int n = nanos.length;
        if (n == 0) {
            throw new IllegalArgumentException("latency: no timed runs");
        }
        long[] sorted = nanos.clone();
        double mean = Arrays.stream(sorted).average().orElse(0);
        double var = Arrays.stream(sorted).mapToDouble(t -> (t - mean) * (t - mean)).sum() / Math.max(1, n - 1);
        Arrays.sort(sorted);
        return new Latency(sorted[n / 2] / 1e6, sorted[Math.min(n - 1, (int) Math.ceil(n * 0.95) - 1)] / 1e6,
                mean > 0 ? Math.sqrt(var) / mean : 0, n, batch, threads);
    }
}
