package org.naspipeline.controller;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ExperimentStatus;

/**
 * Everything the controller knows about one experiment, stored as one JSON value per experimentId in the
 * Streams state store (so its changelog restores it after a crash).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class ExperimentState {
    ExperimentSpec spec;
    ExperimentStatus status;
    /** Who submitted it (the REST API's bearer-token tenant), or null. */
    String tenant;
    /** Trials created so far; also the Katib-style request counter that names the next trial. */
    int issued;
    int completed;
    int failed;
    String bestTrialId;
    Double bestAccuracy;
    Map<String, TrialRecord> trials = new LinkedHashMap<>();
    /** (trialId#attempt) of every final result already applied, to drop redeliveries. */
    Set<String> seenResults = new HashSet<>();
    /**
     * The strategy's call history, "ask:N" or "tell:trialId", so the strategy can be rebuilt by replay
     * (it is deterministic for a seed and a call sequence).
     */
    List<String> strategyLog = new ArrayList<>();

    ExperimentState() {}

    ExperimentState(ExperimentSpec spec) {
        this.spec = spec;
        this.status = ExperimentStatus.RUNNING;
    }

    int inFlight() {
        return (int) trials.values().stream().filter(TrialRecord::inFlight).count();
    }

    /** The slots held by trials in flight. */
    java.util.BitSet busySlots() {
        java.util.BitSet busy = new java.util.BitSet();
        trials.values().stream().filter(TrialRecord::inFlight).forEach(t -> busy.set(t.slot));
        return busy;
    }
}
