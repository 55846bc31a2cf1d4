package org.naspipeline.api;

import java.util.Set;

/**
 * Which dataset trials train on, and optional sample limits. Where the files are is the worker's
 * configuration ({@code NAS_DATA_DIR}), not the experiment's.
 */
public record DatasetSpec(String name, Integer trainLimit, Integer testLimit) {
    /** Dataset names the workers can load. */
    public static final Set<String> KNOWN = Set.of("fashion-mnist");

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".name", name) && !KNOWN.contains(name)) {
            errors.add(path + ".name", "unknown dataset '" + name + "' (known: " + KNOWN + ")");
        }
        if (trainLimit != null) {
            errors.range(path + ".trainLimit", trainLimit, 1, 10_000_000);
        }
        if (testLimit != null) {
            errors.range(path + ".testLimit", testLimit, 1, 10_000_000);
        }
    }
}
