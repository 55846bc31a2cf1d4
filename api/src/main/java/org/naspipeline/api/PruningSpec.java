package org.naspipeline.api;

/** Which pruning to apply and the fraction of filters or weights to remove. */
public record PruningSpec(PruningMethod method, double ratio) {
    /** No pruning. */
    public static final PruningSpec NONE = new PruningSpec(PruningMethod.NONE, 0.0);
}
