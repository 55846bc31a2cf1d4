package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Everything a worker reports about a trial on {@link Topics#TRIAL_RESULTS}, keyed by experimentId. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = TrialEvent.Started.class, name = "started"),
    @JsonSubTypes.Type(value = TrialEvent.Progress.class, name = "progress"),
    @JsonSubTypes.Type(value = TrialResult.Completed.class, name = "completed"),
    @JsonSubTypes.Type(value = TrialResult.Failed.class, name = "failed")
})
public sealed interface TrialEvent permits TrialEvent.Started, TrialEvent.Progress, TrialResult {
    /** Schema version of the record. */
    int schemaVersion();

    /** The experiment the trial belongs to. */
    String experimentId();

    /** The trial. */
    String trialId();

    /** Which attempt of the trial this is, starting at 1. */
    int attempt();

    /** A worker took the trial. */
    record Started(int schemaVersion, String experimentId, String trialId, int attempt, String workerId, long atMillis)
            implements TrialEvent {}

    /** One epoch finished: training loss and accuracy over the epoch, accuracy on the validation split after it. */
    record Progress(
            int schemaVersion,
            String experimentId,
            String trialId,
            int attempt,
            int epoch,
            int epochs,
            double loss,
            double trainAccuracy,
            double validationAccuracy,
            double samplesPerSecond)
            implements TrialEvent {}
}
