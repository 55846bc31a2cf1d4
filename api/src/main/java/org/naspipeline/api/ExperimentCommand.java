package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A command about an existing experiment, produced to {@link Topics#EXPERIMENTS} with the experiment id as key.
 * A record there is a command when it has a {@code command} field, and a submission otherwise.
 */
public record ExperimentCommand(Integer schemaVersion, Type command, String reason) {
    /** The commands. */
    public enum Type {
        /** Stop scheduling, cancel the running trials, and end the experiment as cancelled. */
        @JsonProperty("cancel") CANCEL,
        /** Stop scheduling new trials; running ones finish and are applied. */
        @JsonProperty("pause") PAUSE,
        /** Schedule again after a pause. */
        @JsonProperty("resume") RESUME
    }
}
