package org.naspipeline.api;

import java.util.Set;

/**
 * Which dataset trials train on, how much of it, and how the training file is split. Where the files are is
 * the worker's configuration ({@code NAS_DATA_DIR}), not the experiment's. A {@code validationFraction} of
 * the training examples (a fixed, seed-independent choice) is held out: the search optimizes validation
 * accuracy, and test accuracy is reported alongside.
 */
public record DatasetSpec(String name, Integer trainLimit, Integer testLimit, Double validationFraction, String labelColumn) {
    /** The name of token-id sequences (users' own text), which only the transformer family reads. */
    public static final String TOKENS = "tokens";

    /** Dataset names the workers can load. */
    public static final Set<String> KNOWN = Set.of("fashion-mnist", "mnist", "cifar10", "csv", TOKENS);

    /** Applies defaults: 10% validation, label column {@code label} (CSV files of {@code csv} and {@code tokens}). */
    public DatasetSpec {
        validationFraction = validationFraction == null ? 0.1 : validationFraction;
        labelColumn = labelColumn == null ? "label" : labelColumn;
    }

    /** A spec with the default split. */
    public DatasetSpec(String name, Integer trainLimit, Integer testLimit) {
        this(name, trainLimit, testLimit, null, null);
    }

    /** True for the formats whose files name their label column ({@code csv}, {@code tokens}); the others ignore it. */
    public boolean readsLabelColumn() {
        return "csv".equals(name) || TOKENS.equals(name);
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".name", name) && !KNOWN.contains(name)) {
            errors.add(path + ".name", "unknown dataset '" + name + "' (known: " + String.join(", ", new java.util.TreeSet<>(KNOWN)) + ")");
        }
        if (trainLimit != null) {
            errors.range(path + ".trainLimit", trainLimit, 2, 10_000_000);
        }
        if (testLimit != null) {
            errors.range(path + ".testLimit", testLimit, 1, 10_000_000);
        }
        errors.range(path + ".validationFraction", validationFraction, 0.01, 0.5);
    }
}
