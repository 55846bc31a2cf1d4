package org.naspipeline.api;

import java.math.BigInteger;
import java.util.List;

/**
 * The architecture half of a search space: a factorized, MnasNet-style CNN space (each stage picks its own
 * blocks, filters, kernel, conv type, skip, batch-norm and pooling) or an MLP space, both with a dense head.
 * Choice lists that are omitted fall back to a single sensible default.
 */
public record ArchitectureSpace(
        ModelFamily family,
        IntRange stages,
        IntRange blocksPerStage,
        List<Integer> filters,
        List<Integer> kernelSizes,
        List<ConvType> convTypes,
        List<Boolean> skip,
        List<Boolean> batchNorm,
        List<Pooling> pooling,
        IntRange hiddenLayers,
        List<Integer> hiddenUnits,
        List<Integer> denseUnits,
        List<Double> dropout) {

    /** Fills the optional choice lists with their defaults. */
    public ArchitectureSpace {
        convTypes = orDefault(convTypes, List.of(ConvType.PLAIN));
        skip = orDefault(skip, List.of(false));
        batchNorm = orDefault(batchNorm, List.of(false));
        pooling = orDefault(pooling, List.of(Pooling.MAX));
        denseUnits = orDefault(denseUnits, List.of(0));
        dropout = orDefault(dropout, List.of(0.0));
    }

    private static <T> List<T> orDefault(List<T> given, List<T> fallback) {
        return given == null || given.isEmpty() ? fallback : given;
    }

    /** Validates every field under {@code path}. */
    public void validate(Errors errors, String path) {
        if (!errors.required(path + ".family", family)) {
            return;
        }
        if (family == ModelFamily.CNN) {
            if (errors.required(path + ".stages", stages)) {
                stages.validate(errors, path + ".stages", 1, 8);
            }
            if (errors.required(path + ".blocksPerStage", blocksPerStage)) {
                blocksPerStage.validate(errors, path + ".blocksPerStage", 1, 8);
            }
            if (errors.nonEmpty(path + ".filters", filters)) {
                for (int i = 0; i < filters.size(); i++) {
                    errors.range(path + ".filters[" + i + "]", filters.get(i), 1, 1024);
                }
            }
            if (errors.nonEmpty(path + ".kernelSizes", kernelSizes)) {
                for (int i = 0; i < kernelSizes.size(); i++) {
                    int k = kernelSizes.get(i);
                    errors.range(path + ".kernelSizes[" + i + "]", k, 1, 11);
                    if (k % 2 == 0) {
                        errors.add(path + ".kernelSizes[" + i + "]", "must be odd so 'same' padding exists (got " + k + ")");
                    }
                }
            }
            errors.nonEmpty(path + ".convTypes", convTypes);
            errors.nonEmpty(path + ".skip", skip);
            errors.nonEmpty(path + ".batchNorm", batchNorm);
            errors.nonEmpty(path + ".pooling", pooling);
        } else {
            if (errors.required(path + ".hiddenLayers", hiddenLayers)) {
                hiddenLayers.validate(errors, path + ".hiddenLayers", 1, 8);
            }
            if (errors.nonEmpty(path + ".hiddenUnits", hiddenUnits)) {
                for (int i = 0; i < hiddenUnits.size(); i++) {
                    errors.range(path + ".hiddenUnits[" + i + "]", hiddenUnits.get(i), 1, 8192);
                }
            }
        }
        if (errors.nonEmpty(path + ".denseUnits", denseUnits)) {
            for (int i = 0; i < denseUnits.size(); i++) {
                errors.range(path + ".denseUnits[" + i + "]", denseUnits.get(i), 0, 8192);
            }
        }
        if (errors.nonEmpty(path + ".dropout", dropout)) {
            for (int i = 0; i < dropout.size(); i++) {
                errors.range(path + ".dropout[" + i + "]", dropout.get(i), 0.0, 0.9);
            }
        }
    }

    /** Number of distinct architectures in this (validated) space. */
    public BigInteger cardinality() {
        BigInteger head = BigInteger.valueOf((long) denseUnits.size() * dropout.size());
        BigInteger total = BigInteger.ZERO;
        if (family == ModelFamily.CNN) {
            BigInteger perStage = BigInteger.valueOf(blocksPerStage.size())
                    .multiply(BigInteger.valueOf(filters.size()))
                    .multiply(BigInteger.valueOf(kernelSizes.size()))
                    .multiply(BigInteger.valueOf(convTypes.size()))
                    .multiply(BigInteger.valueOf(skip.size()))
                    .multiply(BigInteger.valueOf(batchNorm.size()))
                    .multiply(BigInteger.valueOf(pooling.size()));
            for (int s = stages.min(); s <= stages.max(); s++) {
                total = total.add(perStage.pow(s));
            }
        } else {
            for (int l = hiddenLayers.min(); l <= hiddenLayers.max(); l++) {
                total = total.add(BigInteger.valueOf(hiddenUnits.size()).pow(l));
            }
        }
        return total.multiply(head);
    }
}
