package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.List;

/** An MLP space: a number of hidden layers, each picking its width from {@code hiddenUnits}; then the head. */
@JsonPropertyOrder("family")
public record MlpSpace(IntRange hiddenLayers, List<Integer> hiddenUnits, List<Integer> denseUnits, List<Double> dropout)
        implements ArchitectureSpace {

    /** Fills the optional choice lists with their defaults. */
    public MlpSpace {
        denseUnits = ArchitectureSpace.orDefault(denseUnits, List.of(0));
        dropout = ArchitectureSpace.orDefault(dropout, List.of(0.0));
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.MLP;
    }

    @Override
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".hiddenLayers", hiddenLayers)) {
            hiddenLayers.validate(errors, path + ".hiddenLayers", 1, 8);
        }
        if (errors.nonEmpty(path + ".hiddenUnits", hiddenUnits)) {
            for (int i = 0; i < hiddenUnits.size(); i++) {
                errors.range(path + ".hiddenUnits[" + i + "]", hiddenUnits.get(i), 1, 8192);
            }
        }
        ArchitectureSpace.validateHead(errors, path, denseUnits, dropout);
    }

    @Override
    public BigInteger cardinality() {
        return ArchitectureSpace.slotBodies(hiddenLayers, BigInteger.valueOf(hiddenUnits.size()))
                .multiply(ArchitectureSpace.headCount(denseUnits, dropout));
    }

    @Override
    public <R> R accept(Cases<R> cases) {
        return cases.mlp(this);
    }
}
