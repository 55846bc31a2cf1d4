package org.naspipeline.api;

import java.util.Set;

/** How each trial trains its model. Omitted fields take the defaults below. */
public record TrainingSpec(Integer epochs, Integer batchSize, Double learningRate, String optimizer) {
    /** Optimizers the workers implement. */
    public static final Set<String> OPTIMIZERS = Set.of("adam", "sgd");

    /** Applies defaults: 1 epoch, batch 64, learning rate 0.001, Adam. */
    public TrainingSpec {
        epochs = epochs == null ? 1 : epochs;
        batchSize = batchSize == null ? 64 : batchSize;
        learningRate = learningRate == null ? 1e-3 : learningRate;
        optimizer = optimizer == null ? "adam" : optimizer;
    }

    /** The defaults. */
    public static TrainingSpec defaults() {
        return new TrainingSpec(null, null, null, null);
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        errors.range(path + ".epochs", epochs, 1, 1000);
        errors.range(path + ".batchSize", batchSize, 1, 65536);
        if (!(learningRate > 0 && learningRate <= 10)) {
            errors.add(path + ".learningRate", "must be in (0, 10] (got " + learningRate + ")");
        }
        if (!OPTIMIZERS.contains(optimizer)) {
            errors.add(path + ".optimizer", "unknown optimizer '" + optimizer + "' (known: " + OPTIMIZERS + ")");
        }
    }
}
