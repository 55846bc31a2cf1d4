package org.naspipeline.api;

/** A concrete compression config applied to a trained model. {@code lowRankRatio = 1} means no factorization. */
public record CompressionSpec(
        PruningSpec pruning, Quantization quantization, DistillationSpec distillation, double lowRankRatio) {

    /** Leaves the trained model as it is. */
    public static final CompressionSpec NONE =
            new CompressionSpec(PruningSpec.NONE, Quantization.FP32, DistillationSpec.OFF, 1.0);

    /** Normalizes absent parts to "no compression". */
    public CompressionSpec {
        pruning = pruning == null ? PruningSpec.NONE : pruning;
        quantization = quantization == null ? Quantization.FP32 : quantization;
        distillation = distillation == null ? DistillationSpec.OFF : distillation;
    }

    /** True when this config changes nothing. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isNone() {
        return pruning.method() == PruningMethod.NONE
                && quantization == Quantization.FP32
                && !distillation.enabled()
                && lowRankRatio >= 1.0;
    }
}
