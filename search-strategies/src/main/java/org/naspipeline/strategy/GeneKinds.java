package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.ParameterSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * Which genes of an encoding are ordered: counts (stages, layers, blocks), numeric choices listed in
 * increasing or decreasing order (filters, kernel sizes, widths, dropout, low-rank ratio) and {@code int},
 * {@code float} and {@code log-float} parameters, whose grid index is already linear (or logarithmic) in the
 * value. Model-based strategies smooth over neighbouring values of an ordered gene; the others are categorical.
 */
final class GeneKinds {
    private GeneKinds() {}

    /** One flag per gene of {@code encoding}: true where neighbouring indices are neighbouring values. */
    static boolean[] ordinal(SpaceEncoding encoding) {
        boolean[] out = new boolean[encoding.genes()];
        for (int g = 0; g < out.length; g++) {
            out[g] = encoding.arity(g) > 2 && isOrdinal(encoding.space(), encoding.name(g));
        }
        return out;
    }

    private static boolean isOrdinal(SearchSpace space, String name) {
        ArchitectureSpace arch = space.architecture();
        if (name.startsWith("parameters.")) {
            ParameterSpec p = space.parameters().get(name.substring("parameters.".length()));
            return p != null && p.type() != ParameterSpec.Type.CATEGORICAL;
        }
        if (name.equals("compression.lowRankRatio")) {
            return monotone(space.compression().lowRankRatios());
        }
        if (arch == null) {
            return false;
        }
        if (name.equals("stages") || name.equals("hiddenLayers") || name.endsWith(".blocks")) {
            return true;
        }
        if (name.endsWith(".filters")) {
            return monotone(arch.filters());
        }
        if (name.endsWith(".kernelSize")) {
            return monotone(arch.kernelSizes());
        }
        if (name.endsWith(".units")) {
            return monotone(arch.hiddenUnits());
        }
        if (name.equals("head.denseUnits")) {
            return monotone(arch.denseUnits());
        }
        if (name.equals("head.dropout")) {
            return monotone(arch.dropout());
        }
        return false;
    }

    /** Strictly increasing or strictly decreasing numbers. */
    static boolean monotone(List<? extends Number> values) {
        if (values == null || values.size() < 2) {
            return false;
        }
        int sign = 0;
        for (int i = 1; i < values.size(); i++) {
            int s = Double.compare(values.get(i).doubleValue(), values.get(i - 1).doubleValue());
            if (s == 0 || (sign != 0 && s != sign)) {
                return false;
            }
            sign = s;
        }
        return true;
    }
}
