package org.naspipeline.controller;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.strategy.pareto.Hypervolume;
import org.naspipeline.strategy.pareto.ParetoFront;

/** The read models of the REST API, derived from an experiment's stored state. */
public final class ExperimentViews {
    private ExperimentViews() {}

    /** One experiment at a glance. */
    public record Summary(String id, String name, String tenant, ExperimentStatus status, String strategy, int maxTrials,
                          int parallelism, int issued, int inFlight, int completed, int failed, String bestTrialId,
                          Double bestAccuracy, int paretoFrontSize, Double hypervolume) {}

    /** One trial: its candidate, current attempt, status, and metrics or failure reason. */
    public record TrialRow(String trialId, int attempt, TrialStatus status, Candidate candidate, TrialMetrics metrics,
                           String workerId, String reason) {}

    /** One point of the Pareto front, in the objectives' own units. */
    public record ParetoPoint(String trialId, Map<String, Double> objectives, Candidate candidate) {}

    /**
     * The feasible non-dominated trials over the spec's objectives, and their hypervolume against
     * {@code reference} (in minimization form: accuracy negated), for 1 to 3 objectives.
     */
    public record Pareto(String id, List<Objective> objectives, List<ParetoPoint> front, Double hypervolume,
                         double[] reference, int feasibleTrials) {}

    /** The summary of {@code state}. */
    public static Summary summary(ExperimentState state) {
        Pareto pareto = pareto(state);
        return new Summary(state.spec.id(), state.spec.name(), state.tenant, state.status, state.spec.strategy().name(),
                state.spec.budget().maxTrials(), state.spec.budget().parallelism(), state.issued, state.inFlight(),
                state.completed, state.failed, state.bestTrialId, state.bestAccuracy, pareto.front().size(), pareto.hypervolume());
    }

    /** Every trial of {@code state}, in the order they were created. */
    public static List<TrialRow> trials(ExperimentState state) {
        List<TrialRow> rows = new ArrayList<>();
        for (TrialRecord t : state.trials.all()) {
            TrialMetrics metrics = t.result instanceof TrialResult.Completed c ? c.metrics() : null;
            String reason = t.result instanceof TrialResult.Failed f ? f.reason() : null;
            String worker = t.result instanceof TrialResult.Completed c ? c.workerId()
                    : t.result instanceof TrialResult.Failed f ? f.workerId() : null;
            rows.add(new TrialRow(t.trialId, t.attempt, t.status, t.candidate, metrics, worker, reason));
        }
        return rows;
    }

    /**
     * The Pareto front of the completed trials that meet every constraint. The hypervolume reference is, per
     * objective in minimization form: 0 for a maximized metric (accuracy 0), the constraint's bound where the
     * spec sets a maximum, else 1.1 × the largest value among those trials (so it can move as trials arrive).
     */
    public static Pareto pareto(ExperimentState state) {
        ObjectivesSpec spec = state.spec.objectives();
        List<Objective> objectives = spec.objectives();
        List<TrialRecord> feasible = new ArrayList<>();
        for (TrialRecord t : state.trials.all()) {
            if (t.status == TrialStatus.COMPLETED && t.result instanceof TrialResult.Completed c
                    && spec.constraints().stream().allMatch(k -> k.violation(c.metrics()) <= 0)) {
                feasible.add(t);
            }
        }
        ParetoFront<TrialRecord> front = new ParetoFront<>();
        for (TrialRecord t : feasible) {
            TrialMetrics m = ((TrialResult.Completed) t.result).metrics();
            front.add(objectives.stream().mapToDouble(o -> o.minimizationValue(m)).toArray(), t);
        }
        double[] reference = reference(spec, feasible);
        Double hv = front.size() == 0 || objectives.size() > 3 ? null : Hypervolume.of(front.points(), reference);
        List<ParetoPoint> points = new ArrayList<>();
        for (ParetoFront.Entry<TrialRecord> e : front.entries()) {
            TrialMetrics m = ((TrialResult.Completed) e.label().result).metrics();
            Map<String, Double> values = new LinkedHashMap<>();
            objectives.forEach(o -> values.put(o.metric().jsonName(), o.metric().of(m)));
            points.add(new ParetoPoint(e.label().trialId, values, e.label().candidate));
        }
        points.sort(java.util.Comparator.comparing(ParetoPoint::trialId));
        return new Pareto(state.spec.id(), objectives, points, hv, reference, feasible.size());
    }

    private static double[] reference(ObjectivesSpec spec, List<TrialRecord> feasible) {
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
            double worst = feasible.stream().mapToDouble(t -> o.metric().of(((TrialResult.Completed) t.result).metrics()))
                    .max().orElse(0);
            ref[i] = bound != null ? bound : 1.1 * worst;
        }
        return ref;
    }
}
