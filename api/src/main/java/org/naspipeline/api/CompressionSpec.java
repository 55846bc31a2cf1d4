package org.naspipeline.api;

/**
 * A concrete compression config applied to a trained model. {@code lowRankRatio = 1} means no factorization;
 * {@code lowRankLayers} is {@code all} (dense and full conv layers, the default) or {@code dense}.
 * {@code fineTuneEpochs} and {@code fineTuneLearningRate} (null: the training rate) govern the fine-tuning
 * after pruning or factorization. {@code baseModel}, when set, is the artifact URI of a trained model to
 * compress instead of training the architecture from scratch (compression-only experiments).
 */
public record CompressionSpec(
        PruningSpec pruning,
        Quantization quantization,
        DistillationSpec distillation,
        Double lowRankRatio,
        Integer fineTuneEpochs,
        Double fineTuneLearningRate,
        String baseModel,
        String lowRankLayers) {

    /** Which layers low-rank factorization applies to. */
    public static final java.util.Set<String> LOW_RANK_LAYERS = java.util.Set.of("all", "dense");

    /** Leaves the trained model as it is. */
    public static final CompressionSpec NONE =
            new CompressionSpec(PruningSpec.NONE, Quantization.FP32, DistillationSpec.OFF, 1.0);

    /**
     * Normalizes absent parts to "no compression" (no pruning, fp32, no distillation, low-rank ratio 1) and one
     * fine-tuning epoch, so a partial block such as {@code {"quantization": "int8-per-channel"}} means just that.
     */
    public CompressionSpec {
        pruning = pruning == null ? PruningSpec.NONE : pruning;
        lowRankRatio = lowRankRatio == null ? 1.0 : lowRankRatio;
        quantization = quantization == null ? Quantization.FP32 : quantization;
        distillation = distillation == null ? DistillationSpec.OFF : distillation;
        fineTuneEpochs = fineTuneEpochs == null ? 1 : fineTuneEpochs;
        lowRankLayers = lowRankLayers == null ? "all" : lowRankLayers;
    }

    /** A config that factorizes all layers when low-rank is on. */
    public CompressionSpec(PruningSpec pruning, Quantization quantization, DistillationSpec distillation, double lowRankRatio,
                           Integer fineTuneEpochs, Double fineTuneLearningRate, String baseModel) {
        this(pruning, quantization, distillation, lowRankRatio, fineTuneEpochs, fineTuneLearningRate, baseModel, null);
    }

    /** A config with one fine-tuning epoch at the training rate, trained from scratch. */
    public CompressionSpec(PruningSpec pruning, Quantization quantization, DistillationSpec distillation, double lowRankRatio) {
        this(pruning, quantization, distillation, lowRankRatio, null, null, null);
    }

    /** True when this config changes nothing. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isNone() {
        return pruning.method() == PruningMethod.NONE
                && quantization == Quantization.FP32
                && !distillation.enabled()
                && lowRankRatio >= 1.0
                && baseModel == null;
    }

    /** True when pruning or factorization changed the weights, so the model is fine-tuned afterwards. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean needsFineTune() {
        return pruning.method() != PruningMethod.NONE || lowRankRatio < 1.0;
    }
}
