package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;

/**
 * A concrete compression config applied to a trained model. {@code lowRankRatio = 1} means no factorization;
 * {@code lowRankLayers} is {@code all} (dense and full conv layers, the default) or {@code dense}.
 * {@code fineTuneEpochs} and {@code fineTuneLearningRate} (null: the training rate) govern the fine-tuning
 * after pruning or factorization. {@code baseModel}, when set, is the artifact URI of a trained model to
 * compress instead of training the architecture from scratch (compression-only experiments).
 * {@code layerDropping} {@code every-other} (transformers; null or {@code none}: off) keeps every other encoder
 * layer of the trained model, the 1st, 3rd, 5th…, with its weights, for a DistilBERT-style student that is then
 * fine-tuned, usually with the trained model as its teacher ({@link DistillationSpec#TRAINED}).
 */
public record CompressionSpec(
        PruningSpec pruning,
        Quantization quantization,
        DistillationSpec distillation,
        Double lowRankRatio,
        Integer fineTuneEpochs,
        Double fineTuneLearningRate,
        String baseModel,
        String lowRankLayers,
        @AddedField @JsonInclude(Include.NON_NULL) String layerDropping) {

    /** Which layers low-rank factorization applies to. */
    public static final java.util.Set<String> LOW_RANK_LAYERS = java.util.Set.of("all", "dense");
    /** The layer-dropping settings: off, or keep every other encoder layer. */
    public static final java.util.Set<String> LAYER_DROPPING = java.util.Set.of("none", "every-other");

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
        layerDropping = "none".equals(layerDropping) ? null : layerDropping;
    }

    /** A config without layer dropping. */
    public CompressionSpec(PruningSpec pruning, Quantization quantization, DistillationSpec distillation, Double lowRankRatio,
                           Integer fineTuneEpochs, Double fineTuneLearningRate, String baseModel, String lowRankLayers) {
        this(pruning, quantization, distillation, lowRankRatio, fineTuneEpochs, fineTuneLearningRate, baseModel,
                lowRankLayers, null);
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

    /** The same config with {@code d} as its distillation settings. */
    public CompressionSpec withDistillation(DistillationSpec d) {
        return new CompressionSpec(pruning, quantization, d, lowRankRatio, fineTuneEpochs, fineTuneLearningRate, baseModel,
                lowRankLayers, layerDropping);
    }

    /** True when this config changes nothing. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isNone() {
        return pruning.method() == PruningMethod.NONE
                && quantization == Quantization.FP32
                && !distillation.enabled()
                && lowRankRatio >= 1.0
                && baseModel == null
                && layerDropping == null;
    }

    /** True when pruning, factorization or layer dropping changed the weights, so the model is fine-tuned afterwards. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean needsFineTune() {
        return pruning.method() != PruningMethod.NONE || lowRankRatio < 1.0 || layerDropping != null;
    }

    /**
     * Records at {@code path} what makes this config unusable whoever wrote it (a candidate file, a trial request): the
     * amount to prune, an unknown layer-dropping or low-rank-layers setting, and the distillation settings.
     */
    public void check(Errors errors, String path) {
        pruning.checkAmount(errors, path + ".pruning");
        if (layerDropping != null) {
            errors.oneOf(path + ".layerDropping", layerDropping, LAYER_DROPPING);
        }
        errors.oneOf(path + ".lowRankLayers", lowRankLayers, LOW_RANK_LAYERS);
        distillation.check(errors, path + ".distillation", this);
    }
}
