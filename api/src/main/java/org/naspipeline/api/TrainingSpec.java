package org.naspipeline.api;

import java.util.Set;

/** How each trial trains its model. Omitted fields take the defaults below. */
public record TrainingSpec(Integer epochs, Integer batchSize, Double learningRate, String optimizer, String schedule) {
    /** Optimizers the workers implement. */
    public static final Set<String> OPTIMIZERS = Set.of("adam", "sgd");
    /** Learning-rate schedules: constant, or cosine decay to 0 over all steps. */
    public static final Set<String> SCHEDULES = Set.of("constant", "cosine");

    /** Applies defaults: 1 epoch, batch 64, learning rate 0.001, Adam, constant rate. */
    public TrainingSpec {
        epochs = epochs == null ? 1 : epochs;
        batchSize = batchSize == null ? 64 : batchSize;
        learningRate = learningRate == null ? 1e-3 : learningRate;
        optimizer = optimizer == null ? "adam" : optimizer;
        schedule = schedule == null ? "constant" : schedule;
    }

    /** Settings with a constant learning rate. */
    public TrainingSpec(Integer epochs, Integer batchSize, Double learningRate, String optimizer) {
        this(epochs, batchSize, learningRate, optimizer, null);
    }

    /** The defaults. */
    public static TrainingSpec defaults() {
        return new TrainingSpec(null, null, null, null, null);
    }

    /** Names of generic search parameters that override the training settings of a trial. */
    public static final Set<String> OVERRIDABLE = Set.of("epochs", "batchSize", "learningRate", "optimizer");

    /**
     * These settings with any of {@link #OVERRIDABLE} taken from a candidate's generic parameters, so a search
     * space can tune, say, {@code learningRate} jointly with the architecture. Other parameters are ignored here.
     */
    public TrainingSpec withOverrides(java.util.Map<String, Object> parameters) {
        Object e = parameters.get("epochs");
        Object b = parameters.get("batchSize");
        Object lr = parameters.get("learningRate");
        Object opt = parameters.get("optimizer");
        return new TrainingSpec(
                e instanceof Number n ? Integer.valueOf(n.intValue()) : epochs,
                b instanceof Number n ? Integer.valueOf(n.intValue()) : batchSize,
                lr instanceof Number n ? Double.valueOf(n.doubleValue()) : learningRate,
                opt != null ? opt.toString() : optimizer, schedule);
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        errors.range(path + ".epochs", epochs, 1, 1000);
        errors.range(path + ".batchSize", batchSize, 1, 65536);
        if (!(learningRate > 0 && learningRate <= 10)) {
            errors.add(path + ".learningRate", "must be in (0, 10] (got " + learningRate + ")");
        }
        if (!SCHEDULES.contains(schedule)) {
            errors.add(path + ".schedule", "unknown schedule '" + schedule + "' (known: " + SCHEDULES + ")");
        }
        if (!OPTIMIZERS.contains(optimizer)) {
            errors.add(path + ".optimizer", "unknown optimizer '" + optimizer + "' (known: " + OPTIMIZERS + ")");
        }
    }
}
