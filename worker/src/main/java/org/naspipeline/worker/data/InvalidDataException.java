package org.naspipeline.worker.data;

import java.io.IOException;

/**
 * A dataset file that was read but holds something it may not (a malformed line, an id out of range, a wrong magic
 * number): reading it again gives the same error, so a trial that meets it fails without a retry. A failure to read
 * (a missing file, a disk or network error) stays a plain {@link IOException}, which may pass.
 */
public final class InvalidDataException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error whose message names the file, and the line or record where the format allows it. */
    public InvalidDataException(String message) {
        super(message);
    }

    /** As {@link #InvalidDataException(String)}, with the error that found it. */
    public InvalidDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
