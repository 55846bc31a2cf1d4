package org.naspipeline.api;

import java.math.BigInteger;
import java.util.List;

/** The compression half of a search space. Omitted lists mean "no compression" for that stage. */
public record CompressionSpace(
        List<PruningMethod> pruningMethods,
        List<Double> pruningRatios,
        List<Quantization> quantization,
        List<Boolean> distillation,
        List<Double> temperatures,
        List<Double> alphas,
        List<Double> lowRankRatios) {

    /** No compression at all. */
    public static final CompressionSpace NONE = new CompressionSpace(null, null, null, null, null, null, null);

    /** Fills the omitted lists with their "off" defaults. */
    public CompressionSpace {
        pruningMethods = orDefault(pruningMethods, List.of(PruningMethod.NONE));
        pruningRatios = orDefault(pruningRatios, List.of(0.5));
        quantization = orDefault(quantization, List.of(Quantization.FP32));
        distillation = orDefault(distillation, List.of(false));
        temperatures = orDefault(temperatures, List.of(4.0));
        alphas = orDefault(alphas, List.of(0.5));
        lowRankRatios = orDefault(lowRankRatios, List.of(1.0));
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
