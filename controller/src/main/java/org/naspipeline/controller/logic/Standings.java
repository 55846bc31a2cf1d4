package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.TrialResult;

/**
 * An experiment's best trial and Pareto front as trials complete, and the events their changes give. Each trial
 * counts with its current result: under a promoting scheduler, a trial's newer rung replaces its earlier one, in the
 * best trial and in the front.
 */
final class Standings {
    private static final int V = ExperimentSpec.SCHEMA_VERSION;

    private Standings() {}

    /** A trial's first result: the best and the front take it in if it beats them. */
    static List<ExperimentEvent> offer(ExperimentState state, TrialRecord trial, TrialResult.Completed c) {
        String experimentId = state.spec.id();
        List<ExperimentEvent> events = new ArrayList<>();
        if (state.bestAccuracy == null || c.metrics().accuracy() > state.bestAccuracy) {
            events.add(new ExperimentEvent.BestImproved(V, experimentId, trial.trialId, c.metrics().accuracy(), state.bestAccuracy));
            state.bestAccuracy = c.metrics().accuracy();
            state.bestTrialId = trial.trialId;
        }
        ParetoTracker.Change change = ParetoTracker.offer(state, trial.trialId, c.metrics());
        if (change.entered()) {
            events.add(new ExperimentEvent.ParetoFrontChanged(V, experimentId, trial.trialId, ParetoTracker.ids(state),
                    change.removed(), ParetoTracker.hypervolume(state)));
        }
        return events;
    }

    /**
     * A trial's newer result replacing its earlier one (a promotion's rung): the best and the front are recomputed
     * from every trial's current result, since the earlier result may have held a place the newer one does not.
     * Events say what improved or changed, as for a first result.
     */
    static List<ExperimentEvent> replace(ExperimentState state, TrialRecord trial, TrialResult.Completed c) {
        String experimentId = state.spec.id();
        List<ExperimentEvent> events = new ArrayList<>();
        Double previousBest = state.bestAccuracy;
        List<String> before = ParetoTracker.ids(state);
        state.bestAccuracy = null;
        state.bestTrialId = null;
        state.front.clear();
        state.worst = null;
        for (TrialRecord t : state.trials.all()) {
            if (state.isTeacher(t.trialId) || !(t.result instanceof TrialResult.Completed done)) {
                continue;
            }
            if (state.bestAccuracy == null || done.metrics().accuracy() > state.bestAccuracy) {
                state.bestAccuracy = done.metrics().accuracy();
                state.bestTrialId = t.trialId;
            }
            ParetoTracker.offer(state, t.trialId, done.metrics());
        }
        if (trial.trialId.equals(state.bestTrialId) && (previousBest == null || state.bestAccuracy > previousBest)) {
            events.add(new ExperimentEvent.BestImproved(V, experimentId, trial.trialId, c.metrics().accuracy(), previousBest));
        }
        List<String> after = ParetoTracker.ids(state);
        if (!new HashSet<>(after).equals(new HashSet<>(before)) || after.contains(trial.trialId)) {
            Set<String> removed = new HashSet<>(before);
            removed.removeAll(after);
            List<String> removedInOrder = new ArrayList<>();
            before.forEach(id -> {
                if (removed.contains(id)) {
                    removedInOrder.add(id);
                }
            });
            events.add(new ExperimentEvent.ParetoFrontChanged(V, experimentId, trial.trialId, after, removedInOrder,
                    ParetoTracker.hypervolume(state)));
        }
        return events;
    }
}
