package org.naspipeline.worker.measure;

import java.util.Arrays;

/**
 * How every runtime's forward latency is timed, the same for DJL and ONNX Runtime so their figures compare:
 * {@value #WARMUP} untimed passes, then up to {@code runs} timed ones, stopping early once {@link #BUDGET_NANOS} has
 * passed but never before {@value #MIN_RUNS}. The cap keeps a slow model's measurement, which holds the host-wide
 * measurement lock, from pausing co-located training for long. Statistics: p50 = sorted[n/2],
 * p95 = sorted[⌈0.95n⌉ − 1], cv = sample standard deviation / mean.
 */
public final class LatencyTimer {
    /** Untimed passes first. */
    public static final int WARMUP = 20;
    /** Timed runs always done, whatever the time. */
    public static final int MIN_RUNS = 20;
    /** Time after which no more timed runs start. */
    public static final long BUDGET_NANOS = 2_000_000_000L;

    /** Latency statistics in ms of {@code runs} timed passes. */
    public record Stats(double p50, double p95, double cv, int runs) {}

    private LatencyTimer() {}

    /** Times {@code forward} (one complete pass, its result read back) as above; {@code runs} at least 1. */
    public static Stats time(Runnable forward, int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException("latency: runs must be ≥ 1 (got " + runs + ")");
        }
        long[] nanos = new long[runs];
        int done = 0;
        long timedStart = 0;
        for (int i = -WARMUP; i < runs; i++) {
            if (i == 0) {
                timedStart = System.nanoTime();
            } else if (i >= MIN_RUNS && System.nanoTime() - timedStart > BUDGET_NANOS) {
                break;
            }
            long t0 = System.nanoTime();
            forward.run();
            if (i >= 0) {
                nanos[i] = System.nanoTime() - t0;
                done = i + 1;
            }
        }
        return of(Arrays.copyOf(nanos, done));
    }

    /** The statistics of {@code nanos} (at least one run). */
    public static Stats of(long[] nanos) {
        int n = nanos.length;
        if (n == 0) {
            throw new IllegalArgumentException("latency: no timed runs");
        }
        long[] sorted = nanos.clone();
        double mean = Arrays.stream(sorted).average().orElse(0);
        double var = Arrays.stream(sorted).mapToDouble(t -> (t - mean) * (t - mean)).sum() / Math.max(1, n - 1);
        Arrays.sort(sorted);
        return new Stats(sorted[n / 2] / 1e6, sorted[Math.min(n - 1, (int) Math.ceil(n * 0.95) - 1)] / 1e6,
                mean > 0 ? Math.sqrt(var) / mean : 0, n);
    }
}
