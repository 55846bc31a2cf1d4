package org.naspipeline.controller.logic;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import org.naspipeline.api.AddedField;
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
    /** Under a multi-fidelity scheduler: the rung the current attempt trains to (0 = the first). */
    public int rung;
    /** Under Hyperband: the bracket the trial belongs to (its first rung); 0 otherwise. */
    public int bracket;
    /** The first attempt at the current rung: retries count from here ({@code budget.maxAttempts} per rung). */
    public int rungFirstAttempt = 1;
    /** Under a multi-fidelity scheduler: the result of each rung the trial completed, lowest first. */
    public java.util.List<RungResult> rungs = new java.util.ArrayList<>();
    /** Why the trial's last promotion ended without a result (it keeps its lower rung's), or null. */
    public String promotionFailure;

    /**
     * A completed rung: its index, the epochs trained (when rungs count examples: the epoch training ended in, as the
     * worker's checkpoint says), the attempt's result, and the training examples trained to when rungs count them
     * (else null).
     */
    public record RungResult(int rung, int epochs, TrialResult.Completed result,
                             @AddedField @JsonInclude(Include.NON_NULL) Long examples) {
        /** A rung that counts epochs. */
        public RungResult(int rung, int epochs, TrialResult.Completed result) {
            this(rung, epochs, result, null);
        }
    }

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

    /** The highest rung completed, or -1. */
    public int highestRung() {
        return rungs.isEmpty() ? -1 : rungs.get(rungs.size() - 1).rung();
    }

    /** The result recorded at {@code rung}, or null. */
    public TrialResult.Completed resultAt(int rung) {
        for (RungResult r : rungs) {
            if (r.rung() == rung) {
                return r.result();
            }
        }
        return null;
    }

    public boolean inFlight() {
        return status == TrialStatus.SCHEDULED || status == TrialStatus.RUNNING;
    }
}
