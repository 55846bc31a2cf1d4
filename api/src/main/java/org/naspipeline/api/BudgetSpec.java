package org.naspipeline.api;

/** How many trials to run, how many at once, and how often one trial may be attempted. */
public record BudgetSpec(Integer maxTrials, Integer parallelism, Integer maxAttempts) {
    /** Applies defaults: parallelism 1, 2 attempts. */
    public BudgetSpec {
        parallelism = parallelism == null ? 1 : parallelism;
        maxAttempts = maxAttempts == null ? 2 : maxAttempts;
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".maxTrials", maxTrials)) {
            errors.range(path + ".maxTrials", maxTrials, 1, 1_000_000);
        }
        errors.range(path + ".parallelism", parallelism, 1, 10_000);
        errors.range(path + ".maxAttempts", maxAttempts, 1, 100);
    }
}
