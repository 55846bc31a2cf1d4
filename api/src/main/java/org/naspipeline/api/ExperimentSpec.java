package org.naspipeline.api;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A whole experiment as submitted: what to search, how to train each trial, and the budget.
 * This is the record other services put on {@link Topics#EXPERIMENTS}; its JSON Schema is
 * {@code schemas/experiment-spec.schema.json}.
 */
public record ExperimentSpec(
        Integer schemaVersion,
        String id,
        String name,
        DatasetSpec dataset,
        SearchSpace searchSpace,
        StrategySpec strategy,
        BudgetSpec budget,
        TrainingSpec training,
        ObjectivesSpec objectives,
        EarlyStoppingSpec earlyStopping,
        @AddedField SchedulerSpec scheduler,
        @AddedField WarmStartSpec warmStart) {

    /** The scheduler in effect: {@code scheduler}, or the median rule an {@code earlyStopping} block asks for. */
    public SchedulerSpec effectiveScheduler() {
        return scheduler.type() != SchedulerSpec.Type.NONE ? scheduler : SchedulerSpec.of(earlyStopping);
    }

    /** The schema version this code writes and reads. */
    public static final int SCHEMA_VERSION = 1;
    /** Experiment ids are safe in topic keys, URLs and file names. */
    public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Applies defaults for the optional parts. */
    public ExperimentSpec {
        schemaVersion = schemaVersion == null ? SCHEMA_VERSION : schemaVersion;
        strategy = strategy == null ? new StrategySpec(null, null, null) : strategy;
        training = training == null ? TrainingSpec.defaults() : training;
        objectives = objectives == null ? ObjectivesSpec.DEFAULT : objectives;
        earlyStopping = earlyStopping == null ? EarlyStoppingSpec.NONE : earlyStopping;
        scheduler = scheduler == null ? SchedulerSpec.NONE : scheduler;
    }

    /** A spec without a warm start. */
    public ExperimentSpec(Integer schemaVersion, String id, String name, DatasetSpec dataset, SearchSpace searchSpace,
                          StrategySpec strategy, BudgetSpec budget, TrainingSpec training, ObjectivesSpec objectives,
                          EarlyStoppingSpec earlyStopping, SchedulerSpec scheduler) {
        this(schemaVersion, id, name, dataset, searchSpace, strategy, budget, training, objectives, earlyStopping, scheduler, null);
    }

    /** A spec without a scheduler block. */
    public ExperimentSpec(Integer schemaVersion, String id, String name, DatasetSpec dataset, SearchSpace searchSpace,
                          StrategySpec strategy, BudgetSpec budget, TrainingSpec training, ObjectivesSpec objectives,
                          EarlyStoppingSpec earlyStopping) {
        this(schemaVersion, id, name, dataset, searchSpace, strategy, budget, training, objectives, earlyStopping, null, null);
    }

    /** A spec without early stopping. */
    public ExperimentSpec(Integer schemaVersion, String id, String name, DatasetSpec dataset, SearchSpace searchSpace,
                          StrategySpec strategy, BudgetSpec budget, TrainingSpec training, ObjectivesSpec objectives) {
        this(schemaVersion, id, name, dataset, searchSpace, strategy, budget, training, objectives, null, null, null);
    }

    /** A copy with the given id. */
    public ExperimentSpec withId(String newId) {
        return new ExperimentSpec(schemaVersion, newId, name, dataset, searchSpace, strategy, budget, training, objectives,
                earlyStopping, scheduler, warmStart);
    }

    /** A copy with another strategy and budget (the demo's and benchmarks' overrides). */
    public ExperimentSpec with(StrategySpec newStrategy, BudgetSpec newBudget) {
        return new ExperimentSpec(schemaVersion, id, name, dataset, searchSpace, newStrategy, newBudget, training, objectives,
                earlyStopping, scheduler, warmStart);
    }

    /**
     * Every value a searched training parameter can take must be a valid training setting. Parameters with errors
     * of their own are skipped: their values are not defined.
     */
    private void validateTrainingOverrides(Errors errors) {
        searchSpace.parameters().forEach((name, param) -> {
            if (!TrainingSpec.OVERRIDABLE.contains(name) || param == null) {
                return;
            }
            Errors own = new Errors();
            param.validate(own, "searchSpace.parameters." + name);
            if (!own.isEmpty()) {
                return;
            }
            for (Object value : param.values()) {
                Errors check = new Errors();
                training.withOverrides(java.util.Map.of(name, value)).validate(check, "training");
                if (!check.isEmpty()) {
                    errors.add("searchSpace.parameters." + name, "value " + value + " is not a valid training "
                            + name + " (" + check.list().get(0).message() + ")");
                    return;
                }
            }
        });
    }

    /**
     * What a space on token ids (dataset {@code tokens}) needs: the transformer family, the only one that embeds ids, and
     * one patch size, since none is used (more would train the same model under several names).
     */
    private void tokenSpace(Errors errors) {
        ModelFamily family = searchSpace.family();
        if (family != null && family != ModelFamily.TRANSFORMER) {
            errors.add(searchSpace.architecture() != null ? "searchSpace.architecture.family" : "searchSpace.baseModel.architecture.family",
                    family.name().toLowerCase(java.util.Locale.ROOT) + " cannot read token ids (dataset 'tokens'); the transformer "
                            + "family embeds them");
        }
        if (searchSpace.architecture() instanceof TransformerSpace t && t.patchSizes() != null && t.patchSizes().size() > 1) {
            errors.add("searchSpace.architecture.patchSizes", "token ids are not cut into patches: give one value, e.g. [1] "
                    + "(got " + t.patchSizes() + ")");
        }
    }

    /** Structural and semantic validation; strategy names are checked by whoever knows the registry. */
    public List<ValidationError> validate() {
        Errors errors = new Errors();
        if (schemaVersion != SCHEMA_VERSION) {
            errors.add("schemaVersion", "unsupported version " + schemaVersion + " (this build reads " + SCHEMA_VERSION + ")");
        }
        if (id != null && !ID_PATTERN.matcher(id).matches()) {
            errors.add("id", "must match " + ID_PATTERN.pattern() + " (got '" + id + "')");
        }
        if (errors.required("dataset", dataset)) {
            dataset.validate(errors, "dataset");
        }
        if (errors.required("searchSpace", searchSpace)) {
            searchSpace.validate(errors, "searchSpace");
            if (dataset != null && DatasetSpec.TOKENS.equals(dataset.name())) {
                tokenSpace(errors);
            }
        }
        if (errors.required("budget", budget)) {
            budget.validate(errors, "budget");
        }
        training.validate(errors, "training");
        if (searchSpace != null) {
            validateTrainingOverrides(errors);
        }
        objectives.validate(errors, "objectives");
        earlyStopping.validate(errors, "earlyStopping");
        scheduler.validate(errors, "scheduler", training);
        if (scheduler.type() != SchedulerSpec.Type.NONE && earlyStopping.rule() != EarlyStoppingSpec.Rule.NONE) {
            errors.add("earlyStopping", "give either earlyStopping or scheduler, not both (scheduler.type "
                    + scheduler.type().name().toLowerCase(java.util.Locale.ROOT) + " with earlyStopping.rule median)");
        }
        if (warmStart != null) {
            warmStart.validate(errors, "warmStart");
            if (id != null && id.equals(warmStart.fromExperiment())) {
                errors.add("warmStart.fromExperiment", "an experiment cannot warm-start from itself ('" + id + "')");
            }
        }
        if (scheduler.type().promotes() && searchSpace != null && searchSpace.parameters().containsKey("epochs")) {
            errors.add("searchSpace.parameters.epochs", "the scheduler " + scheduler.type().name().toLowerCase(java.util.Locale.ROOT)
                    + " decides how many epochs each trial trains: remove this parameter");
        }
        return errors.list();
    }
}
