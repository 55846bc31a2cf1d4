package org.naspipeline.api;

/** An inclusive integer range {@code [min, max]}. */
public record IntRange(Integer min, Integer max) {
    /** Validates the range under {@code path}, with both ends inside {@code [lo, hi]}. */
    public boolean validate(Errors errors, String path, int lo, int hi) {
        boolean present = errors.required(path + ".min", min) & errors.required(path + ".max", max);
        if (!present) {
            return false;
        }
        int before = errors.list().size();
        errors.range(path + ".min", min, lo, hi);
        errors.range(path + ".max", max, lo, hi);
        if (max < min) {
            errors.add(path + ".max", "must be ≥ min (got " + max + " < " + min + ")");
        }
        return errors.list().size() == before;
    }

    /** Number of integers in the range. */
    public int size() {
        return max - min + 1;
    }
}
