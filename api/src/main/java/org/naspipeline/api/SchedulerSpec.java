package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
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
 * <p>The fidelity ({@code resource}) is epochs by default. With {@code examples}, asha and hyperband put their rungs
 * at {@code minExamples}·η<sup>k</sup> training examples below {@code maxExamples}, and at {@code maxExamples}:
 * a rung may end inside an epoch (at the first batch that reaches its count), and a promoted trial continues from
 * that batch of that epoch's data order. {@code training.epochs} then plays no part in how long a trial trains.
 *
 * @param reductionFactor η: a rung keeps the top 1/η of its trials, and rungs are η times apart (default 3)
 * @param minEpochs the first rung (ASHA's grace period; the median rule's first epoch), default 1
 * @param maxEpochs the top rung, default {@code training.epochs}
 * @param brackets Hyperband brackets, default one per rung but the top (at most that many)
 * @param minTrials the median rule's completed trials before it stops any, default 3
 * @param resource what a rung measures: {@code epochs} (default; null means it) or training {@code examples} (asha,
 *     hyperband). The three fields of examples are written only when set, so a spec without them reads and writes
 *     as before they existed
 * @param minExamples the first rung under {@code examples} (required there)
 * @param maxExamples the top rung under {@code examples}: the examples a trial that reaches it has trained on in all
 *     (required there)
 */
public record SchedulerSpec(Type type, Integer reductionFactor, Integer minEpochs, Integer maxEpochs, Integer brackets,
                            Integer minTrials, @AddedField @JsonInclude(Include.NON_NULL) Resource resource,
                            @AddedField @JsonInclude(Include.NON_NULL) Long minExamples,
                            @AddedField @JsonInclude(Include.NON_NULL) Long maxExamples) {
    /** No scheduler: each trial trains all its epochs. */
    public static final SchedulerSpec NONE = new SchedulerSpec(Type.NONE, null, null, null, null, null);
    /** The most examples a rung may name (a thousand epochs of a hundred million examples). */
    public static final long MAX_EXAMPLES = 100_000_000_000L;

    /** What a rung measures. */
    public enum Resource {
        /** Epochs trained. */
        @JsonProperty("epochs") EPOCHS,
        /** Training examples processed (the batches' sizes summed), counted from the trial's start. */
        @JsonProperty("examples") EXAMPLES
    }

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

    /** A scheduler whose rungs are epochs. */
    public SchedulerSpec(Type type, Integer reductionFactor, Integer minEpochs, Integer maxEpochs, Integer brackets,
                         Integer minTrials) {
        this(type, reductionFactor, minEpochs, maxEpochs, brackets, minTrials, null, null, null);
    }

    /** Whether rungs count training examples rather than epochs. */
    public boolean countsExamples() {
        return resource == Resource.EXAMPLES;
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

    /**
     * The rungs' epochs, ascending: minEpochs·η^k below the top, then the top. Under {@code examples}, where
     * rungs are not epochs, none: an empty array.
     */
    public int[] rungEpochs(TrainingSpec training) {
        if (countsExamples()) {
            return new int[0];
        }
        return java.util.Arrays.stream(ladder(minEpochs, topEpochs(training))).mapToInt(r -> (int) r).toArray();
    }

    /** The rungs' examples, ascending: minExamples·η^k below maxExamples, then maxExamples; empty under epochs. */
    public long[] rungExamples() {
        return countsExamples() && minExamples != null && maxExamples != null ? ladder(minExamples, maxExamples)
                : new long[0];
    }

    /** The rungs in the unit of {@code resource}: {@link #rungEpochs} or {@link #rungExamples}. */
    public long[] rungs(TrainingSpec training) {
        return countsExamples() ? rungExamples()
                : java.util.Arrays.stream(rungEpochs(training)).asLongStream().toArray();
    }

    /** min·η^k below top, then top. */
    private long[] ladder(long min, long top) {
        java.util.List<Long> rungs = new java.util.ArrayList<>();
        long r = min;
        while (r < top) {
            rungs.add(r);
            r = r > top / reductionFactor ? top : r * reductionFactor; // no overflow: past top / η, the next is past top
        }
        rungs.add(top);
        return rungs.stream().mapToLong(Long::longValue).toArray();
    }

    /** The Hyperband brackets: as given, or one per rung but the top; ASHA has one. */
    public int bracketCount(TrainingSpec training) {
        if (type != Type.HYPERBAND) {
            return 1;
        }
        return brackets != null ? brackets : Math.max(1, rungs(training).length - 1);
    }

    /** The unit of the rungs, as a rung's label says it ("epochs" or "examples"). */
    public String unit() {
        return countsExamples() ? "examples" : "epochs";
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
        if (countsExamples()) {
            validateExamples(errors, path);
        } else {
            if (minExamples != null) {
                errors.add(path + ".minExamples", "is for resource examples; with epochs the first rung is minEpochs");
            }
            if (maxExamples != null) {
                errors.add(path + ".maxExamples", "is for resource examples; with epochs the top rung is maxEpochs");
            }
        }
        if (!type.promotes() || !errors.isEmpty()) {
            return;
        }
        long[] rungs = rungs(training);
        if (!countsExamples() && rungs.length < 2) {
            int top = topEpochs(training);
            errors.add(maxEpochs != null ? path + ".maxEpochs" : "training.epochs", "must exceed " + path
                    + ".minEpochs (" + minEpochs + ") for " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " to have two rungs (got " + top + ")");
            return;
        }
        if (brackets != null && brackets > rungs.length - 1) {
            errors.add(path + ".brackets", "at most " + (rungs.length - 1) + " with rungs at "
                    + java.util.Arrays.toString(rungs) + " " + unit() + " (got " + brackets + ")");
        }
    }

    /** The checks of {@code resource: examples}: asha or hyperband, both bounds, two rungs at least. */
    private void validateExamples(Errors errors, String path) {
        if (!type.promotes()) {
            errors.add(path + ".resource", "examples is a fidelity of asha and hyperband only (scheduler.type "
                    + type.name().toLowerCase(java.util.Locale.ROOT) + " judges trials by epoch)");
            return;
        }
        if (maxEpochs != null) {
            errors.add(path + ".maxEpochs", "is for resource epochs; with examples the top rung is maxExamples");
        }
        boolean bounds = minExamples != null && maxExamples != null;
        if (minExamples == null) {
            errors.add(path + ".minExamples", "is required with resource examples (the first rung's training examples)");
        } else if (minExamples < 1 || minExamples > MAX_EXAMPLES) {
            errors.range(path + ".minExamples", minExamples, 1, MAX_EXAMPLES);
            bounds = false;
        }
        if (maxExamples == null) {
            errors.add(path + ".maxExamples", "is required with resource examples (the top rung's training examples, "
                    + "e.g. epochs × training-set size)");
        } else if (maxExamples < 1 || maxExamples > MAX_EXAMPLES) {
            errors.range(path + ".maxExamples", maxExamples, 1, MAX_EXAMPLES);
            bounds = false;
        }
        if (bounds && maxExamples <= minExamples) {
            errors.add(path + ".maxExamples", "must exceed " + path + ".minExamples (" + minExamples + ") for "
                    + type.name().toLowerCase(java.util.Locale.ROOT) + " to have two rungs (got " + maxExamples + ")");
        }
    }
}
