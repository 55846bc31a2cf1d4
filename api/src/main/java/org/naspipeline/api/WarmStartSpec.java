package org.naspipeline.api;

/**
 * Seeds a new experiment's strategy with the completed results of an earlier one ({@code fromExperiment}) before
 * it proposes its first candidate, as Optuna's {@code add_trials} from another study or NNI's resume do. The
 * earlier experiment must search the same dataset and architecture family; its results whose candidate lies
 * outside this experiment's search space are skipped. Seeded results teach the strategy only: they are not
 * trials of this experiment and count toward none of its budget, counts, best or Pareto front.
 */
public record WarmStartSpec(String fromExperiment) {
    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".fromExperiment", fromExperiment)
                && !ExperimentSpec.ID_PATTERN.matcher(fromExperiment).matches()) {
            errors.add(path + ".fromExperiment", "must be an experiment id matching " + ExperimentSpec.ID_PATTERN.pattern()
                    + " (got '" + RecordChecks.abbreviate(fromExperiment) + "')");
        }
    }
}
