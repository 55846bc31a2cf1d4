package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Early stopping of unpromising trials. The median rule (Golovin et al. 2017, as in Katib and Vizier): after
 * {@code minEpochs}, a trial whose best validation accuracy so far is below the median of the completed trials'
 * best validation accuracy at the same epoch is told to stop, once at least {@code minTrials} trials completed.
 */
public record EarlyStoppingSpec(Rule rule, Integer minEpochs, Integer minTrials) {
    /** No early stopping. */
    public static final EarlyStoppingSpec NONE = new EarlyStoppingSpec(Rule.NONE, null, null);

    /** The rules. */
    public enum Rule {
        /** Never stop early. */
        @JsonProperty("none") NONE,
        /** The median stopping rule. */
        @JsonProperty("median") MEDIAN
    }

    /** Applies defaults: no rule; with the median rule, from epoch 1 once 3 trials completed. */
    public EarlyStoppingSpec {
        rule = rule == null ? Rule.NONE : rule;
        minEpochs = minEpochs == null ? 1 : minEpochs;
        minTrials = minTrials == null ? 3 : minTrials;
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        errors.range(path + ".minEpochs", minEpochs, 1, 1000);
        errors.range(path + ".minTrials", minTrials, 1, 1000);
    }
}
