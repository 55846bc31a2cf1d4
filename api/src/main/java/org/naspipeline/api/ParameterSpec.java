package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * A generic searchable parameter (for example a learning rate). Continuous ranges are searched on a grid of
 * {@code steps} points (linear for {@code float}, geometric for {@code log-float}), so every strategy, the
 * policy-gradient one included, sees a finite set of choices.
 */
public record ParameterSpec(Type type, List<Object> choices, Double min, Double max, Integer steps) {
    /** Grid points of a continuous range when {@code steps} is omitted. */
    public static final int DEFAULT_STEPS = 16;
    /** Largest integer range enumerated as choices. */
    public static final int MAX_INT_CHOICES = 10_000;

    /** The kind of parameter. */
    public enum Type {
        /** One of the listed JSON values. */
        @JsonProperty("categorical") CATEGORICAL,
        /** An integer in {@code [min, max]}. */
        @JsonProperty("int") INT,
        /** A real in {@code [min, max]}, on a linear grid. */
        @JsonProperty("float") FLOAT,
        /** A positive real in {@code [min, max]}, on a geometric grid. */
        @JsonProperty("log-float") LOG_FLOAT
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (!errors.required(path + ".type", type)) {
            return;
        }
        if (type == Type.CATEGORICAL) {
            errors.nonEmpty(path + ".choices", choices);
            return;
        }
        if (!(errors.required(path + ".min", min) & errors.required(path + ".max", max))) {
            return;
        }
        if (!(errors.finite(path + ".min", min) & errors.finite(path + ".max", max))) {
            return;
        }
        if (max < min) {
            errors.add(path + ".max", "must be ≥ min (got " + Errors.fmt(max) + " < " + Errors.fmt(min) + ")");
        }
        if (type == Type.INT) {
            if (min != Math.rint(min) || max != Math.rint(max)) {
                errors.add(path, "int bounds must be whole numbers (got " + min + ", " + max + ")");
            } else if (max - min + 1 > MAX_INT_CHOICES) {
                errors.add(path, "int range has " + (long) (max - min + 1) + " values; at most " + MAX_INT_CHOICES
                        + " (use float or log-float for wider ranges)");
            }
        }
        if (type == Type.LOG_FLOAT && min <= 0) {
            errors.add(path + ".min", "must be > 0 for log-float (got " + Errors.fmt(min) + ")");
        }
        if (steps != null) {
            errors.range(path + ".steps", steps, 2, 1000);
        }
    }

    /** The finite set of values searched, in a fixed order. */
    public List<Object> values() {
        List<Object> out = new ArrayList<>();
        switch (type) {
            case CATEGORICAL -> out.addAll(choices);
            case INT -> {
                for (long v = (long) (double) min; v <= (long) (double) max; v++) {
                    out.add((int) v);
                }
            }
            case FLOAT, LOG_FLOAT -> {
                int n = steps == null ? DEFAULT_STEPS : steps;
                if (min.equals(max)) {
                    out.add(min);
                    break;
                }
                for (int i = 0; i < n; i++) {
                    double t = (double) i / (n - 1);
                    out.add(type == Type.FLOAT ? min + t * (max - min)
                            : Math.exp(Math.log(min) + t * (Math.log(max) - Math.log(min))));
                }
            }
        }
        return out;
    }
}
