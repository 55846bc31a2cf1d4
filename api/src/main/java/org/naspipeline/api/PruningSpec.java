package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import java.util.Set;

/**
 * Which pruning to apply and the fraction of filters, neurons or weights to remove.
 *
 * <p>{@code scope} and {@code schedule} only matter for {@link PruningMethod#MAGNITUDE}: {@code layer} prunes
 * every conv and dense weight tensor to {@code ratio} on its own, {@code global} ranks all of them together
 * under one threshold; {@code one-shot} prunes once before fine-tuning, {@code agp} raises the sparsity during
 * fine-tuning along Zhu and Gupta's cubic schedule. L1-filter pruning is always per layer and one-shot. Head pruning
 * ({@link PruningMethod#HEADS}, transformers) removes {@code ratio} of each encoder layer's heads under {@code layer}
 * scope, or of all heads ranked together under {@code global}; it is one-shot. Instead of a ratio it takes a
 * {@code count}: that many heads from each layer ({@code layer}), or in all ({@code global}); a candidate gives one of
 * the two. Every layer keeps at least one head either way.
 */
public record PruningSpec(PruningMethod method, Double ratio, String scope, String schedule,
                          @AddedField @JsonInclude(Include.NON_NULL) Integer count) {
    /** No pruning. */
    public static final PruningSpec NONE = new PruningSpec(PruningMethod.NONE, 0.0);
    /** Magnitude-pruning scopes. */
    public static final Set<String> SCOPES = Set.of("layer", "global");
    /** Magnitude-pruning schedules. */
    public static final Set<String> SCHEDULES = Set.of("one-shot", "agp");

    /**
     * Applies the defaults: no pruning when the method is absent, ratio 0 where nothing is pruned, per layer,
     * one-shot. A method that prunes keeps an absent ratio absent, for {@link #checkAmount} to report.
     */
    public PruningSpec {
        method = method == null ? PruningMethod.NONE : method;
        ratio = ratio == null && method == PruningMethod.NONE && count == null ? Double.valueOf(0.0) : ratio;
        scope = scope == null ? "layer" : scope;
        schedule = schedule == null ? "one-shot" : schedule;
    }

    /** Pruning by ratio with a scope and schedule. */
    public PruningSpec(PruningMethod method, Double ratio, String scope, String schedule) {
        this(method, ratio, scope, schedule, null);
    }

    /** Per-layer, one-shot pruning. */
    public PruningSpec(PruningMethod method, Double ratio) {
        this(method, ratio, null, null);
    }

    /** Head pruning of {@code count} heads per layer ({@code layer} scope) or in all ({@code global}). */
    public static PruningSpec headCount(int count, String scope) {
        return new PruningSpec(PruningMethod.HEADS, null, scope, null, count);
    }

    /**
     * Records at {@code path} what makes the amount to prune unusable: a pruning method needs its {@code ratio}, or,
     * for heads only, a {@code count} of at least 1 instead; never both.
     */
    public void checkAmount(Errors errors, String path) {
        if (count != null) {
            if (method != PruningMethod.HEADS) {
                errors.add(path + ".count", "is for method heads only (method " + method.wireName() + " takes a ratio)");
            } else if (ratio != null) {
                errors.add(path + ".count", "and ratio are alternatives: give one");
            } else if (count < 1) {
                errors.add(path + ".count", "must be at least 1 (got " + count + ")");
            }
        } else if (ratio == null) {
            errors.add(path + ".ratio", "is required for method " + method.wireName()
                    + (method == PruningMethod.HEADS ? " (or a count of heads)" : ""));
        }
    }

    /** True for gradual (AGP) magnitude pruning. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean gradual() {
        return method == PruningMethod.MAGNITUDE && "agp".equals(schedule);
    }
}
