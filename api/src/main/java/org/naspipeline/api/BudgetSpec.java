package org.naspipeline.api;

/**
 * How many trials to run, how many at once, how often one trial may be attempted, how long a trial may go
 * without any report from its worker before the attempt is given up as lost, and how long the experiment may
 * schedule new trials ({@code maxDurationSeconds}, null: no limit; trials running at the limit finish).
 */
public record BudgetSpec(Integer maxTrials, Integer parallelism, Integer maxAttempts, Integer trialTimeoutSeconds,
                         Integer maxDurationSeconds) {
    /** Applies defaults: parallelism 1, 2 attempts, 30 minutes without a report. */
    public BudgetSpec {
        parallelism = parallelism == null ? 1 : parallelism;
        maxAttempts = maxAttempts == null ? 2 : maxAttempts;
        trialTimeoutSeconds = trialTimeoutSeconds == null ? 1800 : trialTimeoutSeconds;
    }

    /** A budget with the default trial timeout and no duration limit. */
    public BudgetSpec(Integer maxTrials, Integer parallelism, Integer maxAttempts) {
        this(maxTrials, parallelism, maxAttempts, null, null);
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".maxTrials", maxTrials)) {
            errors.range(path + ".maxTrials", maxTrials, 1, 1_000_000);
        }
        errors.range(path + ".parallelism", parallelism, 1, 10_000);
        errors.range(path + ".maxAttempts", maxAttempts, 1, 100);
        errors.range(path + ".trialTimeoutSeconds", trialTimeoutSeconds, 1, 7 * 24 * 3600);
        if (maxDurationSeconds != null) {
            errors.range(path + ".maxDurationSeconds", maxDurationSeconds, 1, 365 * 24 * 3600);
        }
    }
}
