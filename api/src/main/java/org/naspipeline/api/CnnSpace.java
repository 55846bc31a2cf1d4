package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.List;

/**
 * A factorized, MnasNet-style CNN space: a number of stages, each picking its own blocks, filters, kernel, conv type,
 * skip, batch-norm and pooling; then the head.
 */
@JsonPropertyOrder("family")
public record CnnSpace(
        IntRange stages,
        IntRange blocksPerStage,
        List<Integer> filters,
        List<Integer> kernelSizes,
        List<ConvType> convTypes,
        List<Boolean> skip,
        List<Boolean> batchNorm,
        List<Pooling> pooling,
        List<Integer> denseUnits,
        List<Double> dropout) implements ArchitectureSpace {

    /** Fills the optional choice lists with their defaults. */
    public CnnSpace {
        convTypes = ArchitectureSpace.orDefault(convTypes, List.of(ConvType.PLAIN));
        skip = ArchitectureSpace.orDefault(skip, List.of(false));
        batchNorm = ArchitectureSpace.orDefault(batchNorm, List.of(false));
        pooling = ArchitectureSpace.orDefault(pooling, List.of(Pooling.MAX));
        denseUnits = ArchitectureSpace.orDefault(denseUnits, List.of(0));
        dropout = ArchitectureSpace.orDefault(dropout, List.of(0.0));
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.CNN;
    }

    @Override
    public void validate(Errors errors, String path) {
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
        ArchitectureSpace.validateHead(errors, path, denseUnits, dropout);
    }

    @Override
    public BigInteger cardinality() {
        BigInteger perStage = BigInteger.valueOf(blocksPerStage.size())
                .multiply(BigInteger.valueOf(filters.size()))
                .multiply(BigInteger.valueOf(kernelSizes.size()))
                .multiply(BigInteger.valueOf(convTypes.size()))
                .multiply(BigInteger.valueOf(skip.size()))
                .multiply(BigInteger.valueOf(batchNorm.size()))
                .multiply(BigInteger.valueOf(pooling.size()));
        return ArchitectureSpace.slotBodies(stages, perStage).multiply(ArchitectureSpace.headCount(denseUnits, dropout));
    }

    @Override
    public <R> R accept(Cases<R> cases) {
        return cases.cnn(this);
    }
}
