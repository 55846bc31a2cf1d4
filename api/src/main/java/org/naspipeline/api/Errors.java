package org.naspipeline.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Collects path-precise validation errors while walking an input. */
public final class Errors {
    private final List<ValidationError> list = new ArrayList<>();

    /** Records an error at {@code path}. */
    public void add(String path, String message) {
        list.add(new ValidationError(path, message));
    }

    /** Records an error and returns false when {@code value} is null; true otherwise. */
    public boolean required(String path, Object value) {
        if (value == null) {
            add(path, "is required");
            return false;
        }
        return true;
    }

    /** Records an error when {@code value} is not one of {@code known}, listing them in order. */
    public void oneOf(String path, String value, java.util.Set<String> known) {
        if (value == null || !known.contains(value)) { // Set.of(…).contains(null) would throw
            add(path, "unknown value '" + value + "' (known: " + new java.util.TreeSet<>(known) + ")");
        }
    }

    /** Checks {@code min ≤ value ≤ max}. */
    public void range(String path, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            add(path, "must be in [" + fmt(min) + ", " + fmt(max) + "] (got " + fmt(value) + ")");
        }
    }

    /** Records an error and returns false when {@code value} is NaN or infinite; true otherwise. */
    public boolean finite(String path, double value) {
        if (!Double.isFinite(value)) {
            add(path, "must be a finite number (got " + value + ")");
            return false;
        }
        return true;
    }

    /** Checks that a choice list is present and not empty. */
    public boolean nonEmpty(String path, Collection<?> values) {
        if (values == null || values.isEmpty()) {
            add(path, "must list at least one choice");
            return false;
        }
        for (Object v : values) {
            if (v == null) {
                add(path, "must not contain null");
                return false;
            }
        }
        return true;
    }

    /** True when nothing was recorded. */
    public boolean isEmpty() {
        return list.isEmpty();
    }

    /** The errors so far. */
    public List<ValidationError> list() {
        return List.copyOf(list);
    }

    /** Throws {@link InvalidInputException} when any error was recorded. */
    public void throwIfAny() {
        if (!list.isEmpty()) {
            throw new InvalidInputException(list);
        }
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
