package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a trial stands, as the controller sees it. */
public enum TrialStatus {
    /** Requested, no worker report yet. */
    @JsonProperty("scheduled") SCHEDULED,
    /** A worker reported it started. */
    @JsonProperty("running") RUNNING,
    /** Finished with metrics. */
    @JsonProperty("completed") COMPLETED,
    /** Failed for good. */
    @JsonProperty("failed") FAILED
}
