package org.naspipeline.worker.onnx;

import org.naspipeline.worker.measure.LatencyTimer;

/**
 * Forward latency of an ONNX Runtime session in ms at {@code batch} examples on {@code threads} intra-op threads:
 * median, 95th percentile and coefficient of variation of {@code runs} timed runs, timed as the DJL measurement is
 * ({@link LatencyTimer}).
 */
public record Latency(double p50, double p95, double cv, int runs, int batch, int threads) {

    /** The timer's statistics at {@code batch} on {@code threads}. */
    static Latency of(LatencyTimer.Stats stats, int batch, int threads) {
        return new Latency(stats.p50(), stats.p95(), stats.cv(), stats.runs(), batch, threads);
    }
}
