package org.naspipeline.api;

import java.util.List;

/**
 * What compression did to a trial's model, stage by stage, and how the final artifact is stored and run.
 *
 * <p>{@code stages} run in the pipeline's order (structured or magnitude prune, low-rank, fine-tune,
 * quantize), each with the model measured before and after it. {@code weightFormat} says how the saved
 * artifact encodes its weights (e.g. {@code int8-per-channel+bitmask}); {@code executedAs} says what the
 * engine actually ran when latency and accuracy were measured (e.g. int8 weights dequantized to fp32 at load),
 * so no speed is claimed that was not measured.
 */
public record CompressionReport(List<Stage> stages, String weightFormat, String executedAs) {

    /** Normalizes an absent list to an empty one. */
    public CompressionReport {
        stages = stages == null ? List.of() : List.copyOf(stages);
    }

    /**
     * One stage: its name ({@code prune}, {@code lowrank}, {@code finetune} or {@code quantize}),
     * the settings it ran with, its wall time, the model before and after, and per-layer changes.
     */
    public record Stage(String stage, String settings, double seconds, Snapshot before, Snapshot after,
                        List<LayerChange> layers) {
        /** Normalizes an absent list to an empty one. */
        public Stage {
            layers = layers == null ? List.of() : List.copyOf(layers);
        }
    }

    /**
     * A model measured at one point of the pipeline: validation and test accuracy, total and non-zero weights,
     * batch-1 MACs, the bytes its weights take in this pipeline's artifact format at that point, and the batch-1
     * p50 latency in ms.
     */
    public record Snapshot(double accuracy, double testAccuracy, long params, long nonZeroParams, long macs, long bytes,
                           double latencyMsP50) {}

    /**
     * How one layer changed: its position ({@code layers[3]}, {@code layers[2].body[0]}), shapes before and after,
     * the relative Frobenius reconstruction error ‖W − W'‖/‖W‖ where the stage approximates weights (low-rank,
     * quantization), and the fraction of zero weights after the stage where it prunes.
     */
    public record LayerChange(String layer, String from, String to, Double reconstructionError, Double sparsity) {}
}
