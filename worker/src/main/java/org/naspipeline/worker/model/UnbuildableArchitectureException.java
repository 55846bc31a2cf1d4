package org.naspipeline.worker.model;

/** The architecture cannot be turned into a network for this input (e.g. pooling shrinks it to nothing). */
public class UnbuildableArchitectureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that names the offending part of the architecture. */
    public UnbuildableArchitectureException(String message) {
        super(message);
    }
}
