package org.naspipeline.api;

import java.util.Set;

/**
 * Which pruning to apply and the fraction of filters, neurons or weights to remove.
 *
 * <p>{@code scope} and {@code schedule} only matter for {@link PruningMethod#MAGNITUDE}: {@code layer} prunes
 * every conv and dense weight tensor to {@code ratio} on its own, {@code global} ranks all of them together
 * under one threshold; {@code one-shot} prunes once before fine-tuning, {@code agp} raises the sparsity during
 * fine-tuning along Zhu and Gupta's cubic schedule. L1-filter pruning is always per layer and one-shot. Head pruning
 * ({@link PruningMethod#HEADS}, transformers) removes {@code ratio} of each encoder layer's heads under {@code layer}
 * scope, or of all heads ranked together under {@code global}; it is one-shot.
 */
public record PruningSpec(PruningMethod method, Double ratio, String scope, String schedule) {
    /** No pruning. */
    public static final PruningSpec NONE = new PruningSpec(PruningMethod.NONE, 0.0);
    /** Magnitude-pruning scopes. */
    public static final Set<String> SCOPES = Set.of("layer", "global");
    /** Magnitude-pruning schedules. */
    public static final Set<String> SCHEDULES = Set.of("one-shot", "agp");

    /**
     * Applies the defaults: no pruning when the method is absent, ratio 0 where nothing is pruned, per layer,
     * one-shot. A method that prunes keeps an absent ratio absent, for {@link JsonCodec#readCandidate} to report.
     */
    public PruningSpec {
        method = method == null ? PruningMethod.NONE : method;
        ratio = ratio == null && method == PruningMethod.NONE ? Double.valueOf(0.0) : ratio;
        scope = scope == null ? "layer" : scope;
        schedule = schedule == null ? "one-shot" : schedule;
    }

    /** Per-layer, one-shot pruning. */
    public PruningSpec(PruningMethod method, Double ratio) {
        this(method, ratio, null, null);
    }

    /** True for gradual (AGP) magnitude pruning. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean gradual() {
        return method == PruningMethod.MAGNITUDE && "agp".equals(schedule);
    }
}
