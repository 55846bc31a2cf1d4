package org.naspipeline.worker.pipeline;

/** Training stopped between two batches because the trial was cancelled (e.g. the worker is shutting down). */
public class TrialCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception naming the trial and where it stopped. */
    public TrialCancelledException(String message) {
        super(message);
    }
}
