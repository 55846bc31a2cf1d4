package org.naspipeline.api;

/**
 * How many trials to run, how many at once, how often one trial may be attempted, and how long a trial may go
 * without any report from its worker before the attempt is given up as lost.
 */
public record BudgetSpec(Integer maxTrials, Integer parallelism, Integer maxAttempts, Integer trialTimeoutSeconds) {
    /** Applies defaults: parallelism 1, 2 attempts, 30 minutes without a report. */
    public BudgetSpec {
        parallelism = parallelism == null ? 1 : parallelism;
        maxAttempts = maxAttempts == null ? 2 : maxAttempts;
        trialTimeoutSeconds = trialTimeoutSeconds == null ? 1800 : trialTimeoutSeconds;
    }

    /** A budget with the default trial timeout. */
    public BudgetSpec(Integer maxTrials, Integer parallelism, Integer maxAttempts) {
        this(maxTrials, parallelism, maxAttempts, null);
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".maxTrials", maxTrials)) {
            errors.range(path + ".maxTrials", maxTrials, 1, 1_000_000);
        }
        errors.range(path + ".parallelism", parallelism, 1, 10_000);
        errors.range(path + ".maxAttempts", maxAttempts, 1, 100);
        errors.range(path + ".trialTimeoutSeconds", trialTimeoutSeconds, 1, 7 * 24 * 3600);
    }
}
