package org.naspipeline.controller;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;

/** The controller's row for one trial: its candidate, current attempt, status and final result. */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class TrialRecord {
    String trialId;
    Candidate candidate;
    int attempt;
    TrialStatus status;
    TrialResult result;

    TrialRecord() {}

    TrialRecord(String trialId, Candidate candidate) {
        this.trialId = trialId;
        this.candidate = candidate;
        this.attempt = 1;
        this.status = TrialStatus.SCHEDULED;
    }

    boolean inFlight() {
        return status == TrialStatus.SCHEDULED || status == TrialStatus.RUNNING;
    }
}
