package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Lifecycle of an experiment. */
public enum ExperimentStatus {
    /** Accepted and scheduling trials. */
    @JsonProperty("running") RUNNING,
    /** Paused by a user: running trials finish, nothing new is scheduled until resumed. */
    @JsonProperty("paused") PAUSED,
    /** Every trial of the budget has ended. */
    @JsonProperty("completed") COMPLETED,
    /** Stopped by a user. */
    @JsonProperty("cancelled") CANCELLED,
    /** Could not continue. */
    @JsonProperty("failed") FAILED
}
