package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * What the controller publishes on {@link Topics#EXPERIMENT_EVENTS} for watchers, keyed by experimentId.
 * Lifecycle events name their {@code actor}: {@code tenant:<name>} or {@code admin:<name>} (the REST API's bearer
 * token), {@code anonymous} (REST without tokens), {@code topic} (a record another client produced to the topic;
 * {@code topic:tenant:<name>} when it carried a tenant header), or {@link #CONTROLLER}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ExperimentEvent.Accepted.class, name = "accepted"),
    @JsonSubTypes.Type(value = ExperimentEvent.Rejected.class, name = "rejected"),
    @JsonSubTypes.Type(value = ExperimentEvent.TrialScheduled.class, name = "trial-scheduled"),
    @JsonSubTypes.Type(value = ExperimentEvent.TrialFinished.class, name = "trial-finished"),
    @JsonSubTypes.Type(value = ExperimentEvent.Completed.class, name = "completed"),
    @JsonSubTypes.Type(value = ExperimentEvent.BestImproved.class, name = "best-improved"),
    @JsonSubTypes.Type(value = ExperimentEvent.StatusChanged.class, name = "status-changed"),
    @JsonSubTypes.Type(value = ExperimentEvent.ParetoFrontChanged.class, name = "pareto-front-changed")
})
public sealed interface ExperimentEvent {
    /** Schema version of the record. */
    int schemaVersion();

    /** The experiment, or null when a rejected record carried no recoverable id. */
    String experimentId();

    /** The actor of what the controller decides itself (budget spent, deadline, failures). */
    String CONTROLLER = "controller";

    /** The spec passed validation and the experiment is running; {@code actor} submitted it. */
    record Accepted(int schemaVersion, String experimentId, ExperimentSpec spec, String actor) implements ExperimentEvent {}

    /** The submission was refused; nothing was scheduled. */
    record Rejected(int schemaVersion, String experimentId, List<ValidationError> errors, String actor) implements ExperimentEvent {}

    /**
     * A trial attempt was put on {@link Topics#TRIALS}; under a multi-fidelity scheduler, {@code rung} is the rung it
     * trains to (above the trial's first: a promotion).
     */
    record TrialScheduled(int schemaVersion, String experimentId, String trialId, int attempt, Candidate candidate,
                          @AddedField Integer rung)
            implements ExperimentEvent {

        /** A trial scheduled without a multi-fidelity scheduler (no rung). */
        public TrialScheduled(int schemaVersion, String experimentId, String trialId, int attempt, Candidate candidate) {
            this(schemaVersion, experimentId, trialId, attempt, candidate, null);
        }
    }

    /**
     * A trial ended for good (completed, or failed after its last attempt). Under a multi-fidelity scheduler, one
     * per rung the trial completes, {@code rung} set: the trial may still be promoted to the next.
     */
    record TrialFinished(
            int schemaVersion,
            String experimentId,
            String trialId,
            Candidate candidate,
            TrialStatus status,
            TrialMetrics metrics,
            String reason,
            int completedTrials,
            int failedTrials,
            int maxTrials,
            String bestTrialId,
            @AddedField Integer rung)
            implements ExperimentEvent {

        /** A trial that ended without a multi-fidelity scheduler (no rung). */
        public TrialFinished(int schemaVersion, String experimentId, String trialId, Candidate candidate, TrialStatus status,
                             TrialMetrics metrics, String reason, int completedTrials, int failedTrials, int maxTrials,
                             String bestTrialId) {
            this(schemaVersion, experimentId, trialId, candidate, status, metrics, reason, completedTrials, failedTrials,
                    maxTrials, bestTrialId, null);
        }
    }

    /** The experiment was paused or resumed, or failed; {@code actor} did it. */
    record StatusChanged(int schemaVersion, String experimentId, ExperimentStatus status, String reason, String actor)
            implements ExperimentEvent {}

    /** A completed trial beat the best validation accuracy so far ({@code previous} is null for the first). */
    record BestImproved(int schemaVersion, String experimentId, String trialId, double accuracy, Double previous)
            implements ExperimentEvent {}

    /**
     * A completed trial entered the Pareto front of the spec's objectives (feasible trials only); {@code front}
     * lists the trials on it now, {@code removed} those it pushed off, {@code hypervolume} is the front's
     * (see docs/operations.md for the reference point).
     */
    record ParetoFrontChanged(int schemaVersion, String experimentId, String trialId, List<String> front,
                              List<String> removed, Double hypervolume) implements ExperimentEvent {}

    /** The experiment ended: every trial of the budget has ended ({@code actor} controller), or {@code actor} cancelled it. */
    record Completed(
            int schemaVersion,
            String experimentId,
            ExperimentStatus status,
            int completedTrials,
            int failedTrials,
            String bestTrialId,
            Double bestAccuracy,
            String actor)
            implements ExperimentEvent {}
}
