package org.naspipeline.api;

/** One problem found in an input, located by a dotted JSON path such as {@code budget.maxTrials}. */
public record ValidationError(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
