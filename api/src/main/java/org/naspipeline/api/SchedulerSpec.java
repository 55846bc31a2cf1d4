package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How long each trial trains, apart from what it tries (the strategy). A scheduler judges trials at rungs of
 * increasing fidelity (epochs trained) and stops them or promotes them.
 *
 * <ul>
 *   <li>{@code none}: every trial trains {@code training.epochs};</li>
 *   <li>{@code median}: the median stopping rule (as {@code earlyStopping: {rule: median}}): from epoch
 *       {@code minEpochs}, once {@code minTrials} trials completed, a trial whose best validation accuracy is below
 *       the completed trials' median at the same epoch is told to stop;</li>
 *   <li>{@code asha}: asynchronous successive halving (Li et al. 2018). Rungs at {@code minEpochs}·η<sup>k</sup>
 *       epochs below {@code maxEpochs}, and {@code maxEpochs} itself. A new trial trains to the first rung; when a
 *       slot frees, the trial highest up that is in the top 1/η of the results recorded at its rung, and not yet
 *       promoted, is promoted: it continues from its checkpoint to the next rung. Otherwise a new trial starts;</li>
 *   <li>{@code hyperband}: {@code brackets} ASHA brackets; bracket s starts its trials at rung s, and new trials
 *       are dealt to the brackets in turn.</li>
 * </ul>
 *
 * @param reductionFactor η: a rung keeps the top 1/η of its trials, and rungs are η times apart (default 3)
 * @param minEpochs the first rung (ASHA's grace period; the median rule's first epoch), default 1
 * @param maxEpochs the top rung, default {@code training.epochs}
 * @param brackets Hyperband brackets, default one per rung but the top (at most that many)
 * @param minTrials the median rule's completed trials before it stops any, default 3
 */
public record SchedulerSpec(Type type, Integer reductionFactor, Integer minEpochs, Integer maxEpochs, Integer brackets,
                            Integer minTrials) {
    /** No scheduler: each trial trains all its epochs. */
    public static final SchedulerSpec NONE = new SchedulerSpec(Type.NONE, null, null, null, null, null);

    /** The schedulers. */
    public enum Type {
        /** Every trial trains all its epochs. */
        @JsonProperty("none") NONE,
        /** The median stopping rule. */
        @JsonProperty("median") MEDIAN,
        /** Asynchronous successive halving with checkpoint promotion. */
        @JsonProperty("asha") ASHA,
        /** Brackets of ASHA. */
        @JsonProperty("hyperband") HYPERBAND;

        /** Whether this scheduler trains trials rung by rung and promotes them. */
        public boolean promotes() {
            return this == ASHA || this == HYPERBAND;
        }
    }

    /** Applies defaults, except {@code maxEpochs} and {@code brackets}, which depend on the experiment. */
    public SchedulerSpec {
        type = type == null ? Type.NONE : type;
        reductionFactor = reductionFactor == null ? 3 : reductionFactor;
        minEpochs = minEpochs == null ? 1 : minEpochs;
        minTrials = minTrials == null ? 3 : minTrials;
    }

    /** The median rule as the older {@code earlyStopping} block gives it. */
    public static SchedulerSpec of(EarlyStoppingSpec earlyStopping) {
        return earlyStopping.rule() == EarlyStoppingSpec.Rule.MEDIAN
                ? new SchedulerSpec(Type.MEDIAN, null, earlyStopping.minEpochs(), null, null, earlyStopping.minTrials())
                : NONE;
    }

    /** The top rung: {@code maxEpochs}, or the training epochs. */
    public int topEpochs(TrainingSpec training) {
        return maxEpochs != null ? maxEpochs : training.epochs();
    }

    /** The rungs' epochs, ascending: minEpochs·η^k below the top, then the top. */
    public int[] rungEpochs(TrainingSpec training) {
        int top = topEpochs(training);
        java.util.List<Integer> rungs = new java.util.ArrayList<>();
        long r = minEpochs;
        while (r < top) {
            rungs.add((int) r);
            r *= reductionFactor;
        }
        rungs.add(top);
        return rungs.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The Hyperband brackets: as given, or one per rung but the top; ASHA has one. */
    public int bracketCount(TrainingSpec training) {
        if (type != Type.HYPERBAND) {
            return 1;
        }
        return brackets != null ? brackets : Math.max(1, rungEpochs(training).length - 1);
    }

    /** Validates under {@code path}, with the experiment's training settings. */
    public void validate(Errors errors, String path, TrainingSpec training) {
        errors.range(path + ".reductionFactor", reductionFactor, 2, 100);
        errors.range(path + ".minEpochs", minEpochs, 1, 1000);
        errors.range(path + ".minTrials", minTrials, 1, 1000);
        if (maxEpochs != null) {
            errors.range(path + ".maxEpochs", maxEpochs, 1, 1000);
        }
        if (brackets != null) {
            errors.range(path + ".brackets", brackets, 1, 100);
        }
        if (!type.promotes() || !errors.isEmpty()) {
            return;
        }
        int top = topEpochs(training);
        if (top <= minEpochs) {
            errors.add(maxEpochs != null ? path + ".maxEpochs" : "training.epochs", "must exceed " + path
                    + ".minEpochs (" + minEpochs + ") for " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " to have two rungs (got " + top + ")");
            return;
        }
        int rungs = rungEpochs(training).length;
        if (brackets != null && brackets > rungs - 1) {
            errors.add(path + ".brackets", "at most " + (rungs - 1) + " with rungs at "
                    + java.util.Arrays.toString(rungEpochs(training)) + " epochs (got " + brackets + ")");
        }
    }
}
