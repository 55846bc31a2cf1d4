package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.strategy.pareto.Dominance;
import org.naspipeline.strategy.pareto.Hypervolume;

/**
 * Keeps an experiment's Pareto front in its header, updated as trials complete, so reads and events need no scan
 * of the trial table. Points are in minimization form (maximized metrics negated); infeasible trials (a violated
 * constraint) never enter. The hypervolume reference is, per objective: 0 for a maximized metric, the
 * constraint's {@code max} where the spec sets one, else 1.1 × the largest value among feasible completed trials.
 */
public final class ParetoTracker {
    private ParetoTracker() {}

    /** One point of the front. */
    public record Point(String trialId, double[] objectives) {}

    /** The change one trial made: the ids it removed (empty when it did not enter, or entered removing none). */
    public record Change(boolean entered, List<String> removed) {}

    /** Offers a completed trial's metrics to the front of {@code state}. */
    public static Change offer(ExperimentState state, String trialId, TrialMetrics m) {
        ObjectivesSpec spec = state.spec.objectives();
        if (spec.constraints().stream().anyMatch(k -> k.violation(m) > 0)) {
            return new Change(false, List.of());
        }
        List<Objective> objectives = spec.objectives();
        double[] point = objectives.stream().mapToDouble(o -> o.minimizationValue(m)).toArray();
        if (state.worst == null) {
            state.worst = point.clone();
        } else {
            for (int i = 0; i < point.length; i++) {
                state.worst[i] = Math.max(state.worst[i], point[i]);
            }
        }
        for (Point p : state.front) {
            if (Dominance.dominates(p.objectives(), point) || java.util.Arrays.equals(p.objectives(), point)) {
                return new Change(false, List.of());
            }
        }
        List<String> removed = new ArrayList<>();
        state.front.removeIf(p -> {
            boolean dominated = Dominance.dominates(point, p.objectives());
            if (dominated) {
                removed.add(p.trialId());
            }
            return dominated;
        });
        state.front.add(new Point(trialId, point));
        return new Change(true, removed);
    }

    /** The reference point of the hypervolume, in minimization form. */
    public static double[] reference(ExperimentState state) {
        ObjectivesSpec spec = state.spec.objectives();
        List<Objective> objectives = spec.objectives();
        double[] ref = new double[objectives.size()];
        for (int i = 0; i < ref.length; i++) {
            Objective o = objectives.get(i);
            if (o.goal() == Objective.Goal.MAXIMIZE) {
                ref[i] = 0;
                continue;
            }
            Double bound = spec.constraints().stream().filter(k -> k.metric() == o.metric() && k.max() != null)
                    .map(ObjectivesSpec.Constraint::max).findFirst().orElse(null);
            ref[i] = bound != null ? bound : 1.1 * (state.worst == null ? 0 : state.worst[i]);
        }
        return ref;
    }

    /** The hypervolume of the front, or null when it is empty or has more than 3 objectives. */
    public static Double hypervolume(ExperimentState state) {
        if (state.front.isEmpty() || state.spec.objectives().objectives().size() > 3) {
            return null;
        }
        return Hypervolume.of(state.front.stream().map(Point::objectives).toList(), reference(state));
    }

    /** The ids on the front, in trial order. */
    public static List<String> ids(ExperimentState state) {
        return state.front.stream().map(Point::trialId).sorted().toList();
    }
}
