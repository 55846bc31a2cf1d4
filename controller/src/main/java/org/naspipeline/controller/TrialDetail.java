package org.naspipeline.controller;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * One trial for the web UI's trial page ({@code GET /api/v1/experiments/{id}/trials/{trialId}}): the table row with
 * its standing, and the best validation accuracy reached by the end of each epoch of the current attempt (the
 * learning curve as the controller keeps it; the page adds each epoch's own figures live from the progress events).
 */
record TrialDetail(TrialPages.Row row, List<Double> bestValidationByEpoch) {

    /** The trial {@code trialId} of {@code state}, or empty. */
    static Optional<TrialDetail> of(ExperimentState state, String trialId) {
        TrialRecord t = state.trials.get(trialId);
        if (t == null) {
            return Optional.empty();
        }
        ExperimentViews.TrialRow row = ExperimentViews.trials(List.of(t)).get(0);
        return Optional.of(new TrialDetail(TrialPages.row(state, row, new HashSet<>(ParetoTracker.ids(state))),
                List.copyOf(t.bestValidationByEpoch)));
    }
}
