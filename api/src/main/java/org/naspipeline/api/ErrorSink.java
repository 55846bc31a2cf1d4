package org.naspipeline.api;

import java.util.ArrayList;
import java.util.List;

/** Collects a check's errors, keeping at most {@link #MAX_ERRORS} and saying when more were found. */
final class ErrorSink {
    /** More errors than this are summarized in one last entry. */
    static final int MAX_ERRORS = 50;

    final List<ValidationError> errors = new ArrayList<>();
    int dropped;

    /** Records an error, or counts it when the list is full. */
    void add(String path, String message) {
        if (errors.size() < MAX_ERRORS) {
            errors.add(new ValidationError(path, message));
        } else {
            dropped++;
        }
    }

    /** True once {@link #MAX_ERRORS} are recorded. */
    boolean full() {
        return errors.size() >= MAX_ERRORS;
    }

    /** The errors, with a last entry saying there were more when the list filled up. */
    List<ValidationError> result() {
        List<ValidationError> out = new ArrayList<>(errors);
        if (dropped > 0 || full()) {
            out.add(new ValidationError("$", "more errors not shown; fix these first"));
        }
        return out;
    }
}
