package org.naspipeline.api;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when an input crossing a boundary is invalid; carries every path-precise error found. */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<ValidationError> errors;

    /** Creates the exception from a non-empty error list. */
    public InvalidInputException(List<ValidationError> errors) {
        super(errors.stream().map(ValidationError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    /** The errors, in the order they were found. */
    public List<ValidationError> errors() {
        return errors;
    }
}
