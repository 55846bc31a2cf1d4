package org.naspipeline.controller.logic;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;

/** The controller's row for one trial: its candidate, current attempt, status and final result. */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class TrialRecord {
    public String trialId;
    public Candidate candidate;
    public int attempt;
    public TrialStatus status;
    public TrialResult result;
    /** Wall-clock time the current attempt was scheduled (for the trial-duration histogram). */
    public long scheduledAtMillis;
    /** Wall-clock time of the last sign of life: scheduling, or any report of the current attempt. */
    public long lastActivityMillis;
    /** Wall-clock time the trial ended for good (0: not ended, or ended before this was recorded). */
    public long endedAtMillis;
    /** Best validation accuracy reached by the end of each epoch of the current attempt (index 0 = epoch 1). */
    public java.util.List<Double> bestValidationByEpoch = new java.util.ArrayList<>();
    /** The parallelism slot the trial occupies while in flight (see {@link org.naspipeline.api.TrialRequest#slot()}). */
    public int slot;
    /** Set once the attempt was told to stop early, so it is told only once. */
    public boolean stopRequested;

    public TrialRecord() {}

    public TrialRecord(String trialId, Candidate candidate, int slot, long nowMillis) {
        this.trialId = trialId;
        this.slot = slot;
        this.candidate = candidate;
        this.attempt = 1;
        this.status = TrialStatus.SCHEDULED;
        this.lastActivityMillis = nowMillis;
        this.scheduledAtMillis = nowMillis;
    }

    public boolean inFlight() {
        return status == TrialStatus.SCHEDULED || status == TrialStatus.RUNNING;
    }
}
