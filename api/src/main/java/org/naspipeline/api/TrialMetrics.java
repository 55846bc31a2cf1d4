package org.naspipeline.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a worker measured for a trained model.
 *
 * <ul>
 *   <li>{@code accuracy}: top-1 accuracy on the held-out validation split, the figure the search optimizes;
 *       {@code testAccuracy}: on the separate test split, reported, never optimized.</li>
 *   <li>Latency: forward passes on {@code device} with {@code latencyThreads} intra-op threads after warm-up, p50/p95
 *       in ms at batch 1 (with the coefficient of variation of those runs) and at batch {@code latencyBatch};
 *       {@code latencyExclusive}: whether the measurement held the host-wide lock, so that no other measurement
 *       and no training ran on the host meanwhile. Both are null in results of workers older than these fields.
 *       {@code threads}: the intra-op threads the model trained with.</li>
 *   <li>{@code params} / {@code nonZeroParams}: weights in total and not zero; {@code macs}: multiply-accumulates of
 *       one batch-1 forward pass through the conv and dense layers, from the built shapes.</li>
 *   <li>{@code sizeBytes}: bytes of the artifact as saved. {@code peakMemoryBytes}: device memory in use after
 *       training where the engine exposes it (GPU), else null.</li>
 *   <li>{@code compression}: for a compressed candidate, what each stage did and how the artifact is stored and
 *       run; null when the candidate has no compression. All the figures above are then of the final artifact
 *       as saved, reloaded from its file.</li>
 *   <li>{@code layers}: the measured model layer by layer in forward order (see {@link Layer}); their params and
 *       MACs add up to {@code params} and {@code macs}. Null in results of workers older than this field and in
 *       synthetic metrics.</li>
 *   <li>{@code inference}: the runtime the test accuracy, latency and size were measured in, the model file that was
 *       measured and the kernels that ran (see {@link Inference}). Null in results of workers older than this field
 *       and in synthetic metrics.</li>
 * </ul>
 */
public record TrialMetrics(
        double accuracy,
        double testAccuracy,
        double trainLoss,
        double latencyMsP50,
        double latencyMsP95,
        double latencyCv,
        int latencyBatch,
        double latencyBatchMsP50,
        double latencyBatchMsP95,
        long params,
        long nonZeroParams,
        long macs,
        long sizeBytes,
        Long peakMemoryBytes,
        double trainSeconds,
        double samplesPerSecond,
        int trainSamples,
        int validationSamples,
        int testSamples,
        String device,
        int threads,
        CompressionReport compression,
        @AddedField Integer latencyThreads,
        @AddedField Boolean latencyExclusive,
        @AddedField List<Layer> layers,
        @AddedField Inference inference) {

    /** Copies the layer list (a null row stays, for {@link RecordChecks} to report at its index). */
    public TrialMetrics {
        layers = layers == null ? null : Collections.unmodifiableList(new ArrayList<>(layers));
    }

    /**
     * Where the model was measured and what a user deploys.
     *
     * <ul>
     *   <li>{@code runtime}: the inference runtime and its version, e.g. {@code onnxruntime 1.29.0} or
     *       {@code djl 0.36.0 PyTorch 2.7.1}.</li>
     *   <li>{@code model}: the file of the attempt that was measured (test accuracy, latency, {@code sizeBytes}), e.g.
     *       {@code model.int8.onnx}.</li>
     *   <li>{@code kernels}: the operators the runtime actually ran, read from its profiler (e.g. {@code QLinearConv}),
     *       sorted; empty where the runtime has no profiler.</li>
     *   <li>{@code files}: the deployable model files saved in the attempt (plain file names beside
     *       {@code candidate.json}), e.g. {@code [model.onnx, model.int8.onnx]}.</li>
     *   <li>{@code fp32TestAccuracy}: the fp32 file's test accuracy when the measured model is int8, so the int8
     *       accuracy is reported beside it; else null.</li>
     * </ul>
     */
    public record Inference(String runtime, String model, List<String> kernels, List<String> files, Double fp32TestAccuracy) {
        /** Copies the lists (absent: empty; a null entry stays, for {@link RecordChecks} to report). */
        public Inference {
            kernels = kernels == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(kernels));
            files = files == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(files));
        }
    }

    /**
     * One layer of the measured model: its position in the network ({@code layers[3]}; {@code layers[2].body[0]}
     * and {@code layers[2].shortcut[0]} inside a residual block, whose own row {@code layers[2]} is the sum of its
     * branches, listed after them, with no weights or MACs of its own), what it is ({@code conv 3×3, 16→32}), its
     * output shape for one example (batch dimension left out, e.g. {@code [32, 14, 14]}), its weights in total and
     * not zero (batch-norm statistics included), and the MACs of one batch-1 forward pass through it.
     */
    public record Layer(String path, String layer, List<Long> outputShape, long params, long nonZeroParams, long macs) {
        /** Copies the shape (a null dimension stays, for {@link RecordChecks} to report). */
        public Layer {
            outputShape = outputShape == null ? null : Collections.unmodifiableList(new ArrayList<>(outputShape));
        }
    }

    /** Metrics of an uncompressed model measured on its training threads, without the host-wide lock. */
    public TrialMetrics(double accuracy, double testAccuracy, double trainLoss, double latencyMsP50, double latencyMsP95,
                        double latencyCv, int latencyBatch, double latencyBatchMsP50, double latencyBatchMsP95, long params,
                        long nonZeroParams, long macs, long sizeBytes, Long peakMemoryBytes, double trainSeconds,
                        double samplesPerSecond, int trainSamples, int validationSamples, int testSamples, String device,
                        int threads) {
        this(accuracy, testAccuracy, trainLoss, latencyMsP50, latencyMsP95, latencyCv, latencyBatch, latencyBatchMsP50,
                latencyBatchMsP95, params, nonZeroParams, macs, sizeBytes, peakMemoryBytes, trainSeconds, samplesPerSecond,
                trainSamples, validationSamples, testSamples, device, threads, null, threads, null, null, null);
    }

    /**
     * Metrics that did not come from training, for benchmarks and tests of the control plane: the given
     * figures, zeros elsewhere, and {@code device = "synthetic"} so they can never pass for measurements.
     */
    public static TrialMetrics synthetic(double accuracy, double latencyMs, long sizeBytes) {
        return new TrialMetrics(accuracy, accuracy, 0, latencyMs, latencyMs, 0, 1, latencyMs, latencyMs, 0, 0, 0,
                sizeBytes, null, 0, 0, 0, 0, 0, "synthetic", 0);
    }
}
