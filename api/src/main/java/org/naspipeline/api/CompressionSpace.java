package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import java.math.BigInteger;
import java.util.List;

/**
 * The compression half of a search space. Omitted lists mean "no compression" for that stage. The searched
 * decisions are the lists; the single-valued settings after them apply to every candidate: the magnitude
 * pruning scope and schedule, the distillation loss form and teacher (a trained artifact, or an architecture
 * the controller trains first as the experiment's teacher trial), the fine-tuning epochs and learning rate,
 * which layers low-rank factorization applies to, layer dropping, and the distillation of intermediate layers (see
 * {@link PruningSpec}, {@link DistillationSpec}, {@link CompressionSpec}, {@link IntermediateDistillation}).
 */
public record CompressionSpace(
        List<PruningMethod> pruningMethods,
        List<Double> pruningRatios,
        List<Quantization> quantization,
        List<Boolean> distillation,
        List<Double> temperatures,
        List<Double> alphas,
        List<Double> lowRankRatios,
        String pruningScope,
        String pruningSchedule,
        String distillationLoss,
        String teacher,
        ArchitectureSpec teacherArchitecture,
        Integer fineTuneEpochs,
        Double fineTuneLearningRate,
        String lowRankLayers,
        @AddedField @JsonInclude(Include.NON_NULL) String layerDropping,
        @AddedField @JsonInclude(Include.NON_NULL) IntermediateDistillation intermediateDistillation) {

    /** No compression at all. */
    public static final CompressionSpace NONE = new CompressionSpace(null, null, null, null, null, null, null);

    /** A space with the default settings. */
    public CompressionSpace(List<PruningMethod> pruningMethods, List<Double> pruningRatios, List<Quantization> quantization,
                            List<Boolean> distillation, List<Double> temperatures, List<Double> alphas,
                            List<Double> lowRankRatios) {
        this(pruningMethods, pruningRatios, quantization, distillation, temperatures, alphas, lowRankRatios,
                null, null, null, null, null, null, null, null);
    }

    /** A space without layer dropping or intermediate-layer distillation. */
    public CompressionSpace(List<PruningMethod> pruningMethods, List<Double> pruningRatios, List<Quantization> quantization,
                            List<Boolean> distillation, List<Double> temperatures, List<Double> alphas,
                            List<Double> lowRankRatios, String pruningScope, String pruningSchedule, String distillationLoss,
                            String teacher, ArchitectureSpec teacherArchitecture, Integer fineTuneEpochs,
                            Double fineTuneLearningRate, String lowRankLayers) {
        this(pruningMethods, pruningRatios, quantization, distillation, temperatures, alphas, lowRankRatios, pruningScope,
                pruningSchedule, distillationLoss, teacher, teacherArchitecture, fineTuneEpochs, fineTuneLearningRate,
                lowRankLayers, null, null);
    }

    /** Fills the omitted lists with their "off" defaults. */
    public CompressionSpace {
        pruningMethods = orDefault(pruningMethods, List.of(PruningMethod.NONE));
        pruningRatios = orDefault(pruningRatios, List.of(0.5));
        quantization = orDefault(quantization, List.of(Quantization.FP32));
        distillation = orDefault(distillation, List.of(false));
        temperatures = orDefault(temperatures, List.of(4.0));
        alphas = orDefault(alphas, List.of(0.5));
        lowRankRatios = orDefault(lowRankRatios, List.of(1.0));
        pruningScope = pruningScope == null ? "layer" : pruningScope;
        pruningSchedule = pruningSchedule == null ? "one-shot" : pruningSchedule;
        distillationLoss = distillationLoss == null ? "hinton" : distillationLoss;
        fineTuneEpochs = fineTuneEpochs == null ? 1 : fineTuneEpochs;
        lowRankLayers = lowRankLayers == null ? "all" : lowRankLayers;
        layerDropping = "none".equals(layerDropping) ? null : layerDropping;
    }

    /** The pruning config of {@code method} at {@code ratio} with this space's scope and schedule. */
    public PruningSpec pruning(PruningMethod method, double ratio) {
        return method == PruningMethod.NONE ? PruningSpec.NONE : new PruningSpec(method, ratio, pruningScope, pruningSchedule);
    }

    /**
     * The distillation config at {@code temperature} and {@code alpha} with this space's loss and teacher (null
     * while the teacher is an architecture the controller trains first; it fills the artifact in each request).
     */
    public DistillationSpec distillation(double temperature, double alpha) {
        return new DistillationSpec(true, temperature, alpha, distillationLoss, teacher, intermediateDistillation);
    }

    private static <T> List<T> orDefault(List<T> given, List<T> fallback) {
        return given == null || given.isEmpty() ? fallback : given;
    }

    /** Validates every field under {@code path}. */
    public void validate(Errors errors, String path) {
        errors.nonEmpty(path + ".pruningMethods", pruningMethods);
        checkAll(errors, path + ".pruningRatios", pruningRatios, 0.0, 0.95);
        errors.nonEmpty(path + ".quantization", quantization);
        errors.nonEmpty(path + ".distillation", distillation);
        checkAll(errors, path + ".temperatures", temperatures, 1.0, 100.0);
        checkAll(errors, path + ".alphas", alphas, 0.0, 1.0);
        checkAll(errors, path + ".lowRankRatios", lowRankRatios, 0.01, 1.0);
        errors.oneOf(path + ".pruningScope", pruningScope, PruningSpec.SCOPES);
        errors.oneOf(path + ".pruningSchedule", pruningSchedule, PruningSpec.SCHEDULES);
        errors.oneOf(path + ".distillationLoss", distillationLoss, DistillationSpec.LOSSES);
        errors.oneOf(path + ".lowRankLayers", lowRankLayers, CompressionSpec.LOW_RANK_LAYERS);
        errors.range(path + ".fineTuneEpochs", fineTuneEpochs, 0, 1000);
        if (fineTuneLearningRate != null && !(fineTuneLearningRate > 0 && fineTuneLearningRate <= 10)) {
            errors.add(path + ".fineTuneLearningRate", "must be in (0, 10] (got " + fineTuneLearningRate + ")");
        }
        if (distillation != null && distillation.contains(true)) {
            if (teacher == null && teacherArchitecture == null) {
                errors.add(path + ".teacher", "is required when distillation is searched: the artifact URI of a trained "
                        + "model (artifactUri of a completed trial, e.g. file:///var/nas/artifacts/exp/exp-t0001/attempt-1/ or "
                        + "s3://bucket/prefix/exp/exp-t0001/attempt-1), "
                        + "or set teacherArchitecture to have the controller train a teacher first");
            } else if (teacher != null && teacherArchitecture != null) {
                errors.add(path + ".teacherArchitecture", "set either teacher (a trained artifact) or teacherArchitecture "
                        + "(trained first by the controller), not both");
            } else if (DistillationSpec.TRAINED.equals(teacher)) {
                if (layerDropping == null || fineTuneEpochs < 1) {
                    errors.add(path + ".teacher", "\"trained\" (each candidate's own trained model teaches it while it is "
                            + "fine-tuned) needs layerDropping every-other and fineTuneEpochs of 1 or more, so every candidate is fine-tuned");
                }
            } else if (teacher != null && !ArtifactUris.readable(teacher)) {
                errors.add(path + ".teacher", ArtifactUris.unreadable(teacher));
            }
        }
        if (layerDropping != null) {
            errors.oneOf(path + ".layerDropping", layerDropping, CompressionSpec.LAYER_DROPPING);
        }
        if (intermediateDistillation != null) {
            if (distillation == null || !distillation.contains(true)) {
                errors.add(path + ".intermediateDistillation", "needs distillation to contain true");
            }
            if (teacherArchitecture != null && teacherArchitecture.family() != ModelFamily.TRANSFORMER) {
                errors.add(path + ".teacherArchitecture", "intermediateDistillation compares encoder layers, so the teacher "
                        + "must be of the transformer family");
            }
            intermediateDistillation.check(errors, path + ".intermediateDistillation");
        }
    }

    private static void checkAll(Errors errors, String path, List<Double> values, double lo, double hi) {
        if (errors.nonEmpty(path, values)) {
            for (int i = 0; i < values.size(); i++) {
                errors.range(path + "[" + i + "]", values.get(i), lo, hi);
            }
        }
    }

    /** Number of distinct compression configs (a ratio only matters when pruning, T and alpha only when distilling). */
    public BigInteger cardinality() {
        long pruning = pruningMethods.stream().filter(m -> m != PruningMethod.NONE).count() * pruningRatios.size()
                + (pruningMethods.contains(PruningMethod.NONE) ? 1 : 0);
        long distill = (distillation.contains(true) ? (long) temperatures.size() * alphas.size() : 0)
                + (distillation.contains(false) ? 1 : 0);
        return BigInteger.valueOf(pruning)
                .multiply(BigInteger.valueOf(quantization.size()))
                .multiply(BigInteger.valueOf(distill))
                .multiply(BigInteger.valueOf(lowRankRatios.size()));
    }
}
