package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An instruction to whichever worker runs a trial attempt, broadcast on {@link Topics#TRIAL_CONTROL} (key =
 * trialId): stop it (early stopping; the partial result still counts) or cancel it (its result is not wanted).
 */
public record TrialControl(int schemaVersion, String experimentId, String trialId, int attempt, Action action, String reason) {
    /** What the worker should do. */
    public enum Action {
        /** End training now and report what was reached. */
        @JsonProperty("stop") STOP,
        /** Abandon the attempt; its result will be dropped. */
        @JsonProperty("cancel") CANCEL
    }
}
