package org.naspipeline.strategy;

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
            out[g] = encoding.arity(g) > 2 && encoding.ordinal(g);
        }
        return out;
    }
}
