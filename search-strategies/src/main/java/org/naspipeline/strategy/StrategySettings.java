package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.naspipeline.api.ValidationError;

/** Reads a strategy's {@code settings} map with defaults, ranges and path-precise errors. */
final class StrategySettings {
    private final Map<String, Object> values;
    private final String strategy;
    private final Set<String> known = new HashSet<>();
    private final List<ValidationError> errors = new ArrayList<>();

    StrategySettings(StrategyContext context) {
        this.values = context.strategy().settings();
        this.strategy = context.strategy().name();
    }

    int integer(String key, int defaultValue, int min, int max) {
        known.add(key);
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            errors.add(new ValidationError(path(key), "must be an integer (got " + v + ")"));
            return defaultValue;
        }
        if (n.longValue() < min || n.longValue() > max) {
            errors.add(new ValidationError(path(key), "must be in [" + min + ", " + max + "] (got " + n + ")"));
            return defaultValue;
        }
        return n.intValue();
    }

    double real(String key, double defaultValue, double min, double max) {
        known.add(key);
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
            errors.add(new ValidationError(path(key), "must be a number in [" + min + ", " + max + "] (got " + v + ")"));
            return defaultValue;
        }
        return n.doubleValue();
    }

    boolean bool(String key, boolean defaultValue) {
        known.add(key);
        Object v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Boolean b)) {
            errors.add(new ValidationError(path(key), "must be true or false (got " + v + ")"));
            return defaultValue;
        }
        return b;
    }

    /** Adds an error for every key no reader asked for, then returns all errors. */
    List<ValidationError> errors() {
        List<ValidationError> all = new ArrayList<>(errors);
        values.keySet().stream().filter(k -> !known.contains(k)).sorted().forEach(k -> all.add(new ValidationError(
                path(k), "unknown setting for strategy '" + strategy + "'" + (known.isEmpty() ? " (it takes none)"
                        : " (known: " + String.join(", ", known.stream().sorted().toList()) + ")"))));
        return all;
    }

    private static String path(String key) {
        return "strategy.settings." + key;
    }
}
