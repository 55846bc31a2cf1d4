package org.naspipeline.controller.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.StageSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ParetoTracker;
import org.naspipeline.controller.logic.TrialRecord;

/**
 * The completed trials of an experiment in columns, for the web UI's charts
 * ({@code GET /api/v1/experiments/{id}/points}): every objective metric, feasibility and front membership (the
 * Pareto scatter), the genes of each candidate (parallel coordinates), and the best accuracy and hypervolume after
 * each trial ended, in the order they ended (the history chart). Columns keep 10,000 trials to a few hundred kB.
 */
public final class ExperimentPoints {
    private ExperimentPoints() {}

    /**
     * Column {@code i} of every list is completed trial {@code i}, in creation order; {@code constraints} let the page
     * tell whether a live result is feasible. {@code genes} maps a gene to
     * its values (a number, or a category as text); {@code history} lists every ended trial in the order it ended.
     */
    record Points(String id, List<Objective> objectives, List<ObjectivesSpec.Constraint> constraints, List<String> trialIds,
                  Map<String, List<Double>> metrics,
                  List<Boolean> feasible, List<String> front, Map<String, List<Object>> genes, History history) {}

    /** After each trial ended: its id, when ({@code null}: before end times were recorded), the best accuracy, the hypervolume. */
    record History(List<String> trialIds, List<Long> endedAtMillis, List<Double> bestAccuracy, List<Double> hypervolume) {}

    /** The points of {@code state}. */
    static Points of(ExperimentState state) {
        List<String> ids = new ArrayList<>();
        Map<String, List<Double>> metrics = new LinkedHashMap<>();
        for (Objective.Metric m : Objective.Metric.values()) {
            metrics.put(m.jsonName(), new ArrayList<>());
        }
        metrics.put("testAccuracy", new ArrayList<>());
        List<Boolean> feasible = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        for (TrialRecord t : state.trials.all()) {
            if (t.status != TrialStatus.COMPLETED || state.isTeacher(t.trialId)
                    || !(t.result instanceof org.naspipeline.api.TrialResult.Completed c)) {
                continue;
            }
            TrialMetrics m = c.metrics();
            ids.add(t.trialId);
            for (Objective.Metric metric : Objective.Metric.values()) {
                metrics.get(metric.jsonName()).add(metric.of(m));
            }
            metrics.get("testAccuracy").add(m.testAccuracy());
            feasible.add(state.spec.objectives().constraints().stream().noneMatch(k -> k.violation(m) > 0));
            candidates.add(t.candidate);
        }
        return new Points(state.spec.id(), state.spec.objectives().objectives(), state.spec.objectives().constraints(), ids, metrics, feasible, ParetoTracker.ids(state),
                genes(candidates), history(state));
    }

    /**
     * The body of an architecture as the four numbers the parallel-coordinates view compares across families: its
     * depth (stages, hidden layers, encoder layers), blocks (conv blocks, encoder layers), widest layer (filters,
     * units, model width) and largest kernel (a transformer's patch size).
     */
    private static final ArchitectureSpec.Cases<double[]> BODY_GENES = new ArchitectureSpec.Cases<>() {
        @Override
        public double[] cnn(CnnArchitecture cnn) {
            List<StageSpec> stages = cnn.stages();
            return new double[] {stages.size(), stages.stream().mapToInt(StageSpec::blocks).sum(),
                stages.stream().mapToInt(StageSpec::filters).max().orElse(0),
                stages.stream().mapToInt(StageSpec::kernelSize).max().orElse(0)};
        }

        @Override
        public double[] mlp(MlpArchitecture mlp) {
            return new double[] {mlp.hiddenUnits().size(), 0, mlp.hiddenUnits().stream().mapToInt(Integer::intValue).max().orElse(0), 0};
        }

        @Override
        public double[] transformer(TransformerArchitecture t) {
            return new double[] {t.layers(), t.layers(), t.width(), t.patchSize() == null ? 0 : t.patchSize()};
        }
    };

    /** Numeric genes of the architecture and compression, then the generic parameters ({@code param.<name>}). */
    static Map<String, List<Object>> genes(List<Candidate> candidates) {
        Map<String, List<Object>> genes = new LinkedHashMap<>();
        TreeSet<String> parameters = new TreeSet<>();
        candidates.forEach(c -> parameters.addAll(c.parameters().keySet()));
        for (Candidate c : candidates) {
            ArchitectureSpec a = c.architecture();
            double[] body = a == null ? new double[4] : a.accept(BODY_GENES);
            add(genes, "stages", a == null ? null : body[0]);
            add(genes, "blocks", body[1]);
            add(genes, "maxFilters", body[2]);
            add(genes, "maxKernel", body[3]);
            add(genes, "denseUnits", a == null || a.head() == null ? null : (double) a.head().denseUnits());
            add(genes, "dropout", a == null || a.head() == null ? null : a.head().dropout());
            add(genes, "pruneRatio", c.compression().pruning().ratio());
            Integer pruneCount = c.compression().pruning().count();
            add(genes, "pruneCount", pruneCount == null ? null : pruneCount.doubleValue());
            add(genes, "quantization", c.compression().quantization().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            add(genes, "lowRankRatio", c.compression().lowRankRatio());
            add(genes, "distillation", c.compression().distillation().enabled() ? "on" : "off");
            for (String p : parameters) {
                Object v = c.parameters().get(p);
                add(genes, "param." + p, v instanceof Number n ? (Object) n.doubleValue() : v == null ? null : v.toString());
            }
        }
        // a gene every candidate has the same value for says nothing in parallel coordinates
        genes.values().removeIf(values -> new HashSet<>(values).size() <= 1);
        return genes;
    }

    private static void add(Map<String, List<Object>> genes, String name, Object value) {
        genes.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    /** Replays the ended trials in the order they ended through a fresh front, as the controller saw them. */
    static History history(ExperimentState state) {
        List<TrialRecord> ended = new ArrayList<>();
        for (TrialRecord t : state.trials.all()) {
            if (!t.inFlight() && t.result != null && !state.isTeacher(t.trialId)) {
                ended.add(t);
            }
        }
        // trials ended before end times were recorded (0) keep creation order, ahead of the others
        ended.sort(Comparator.comparingLong(t -> t.endedAtMillis));
        ExperimentState scratch = new ExperimentState(state.spec);
        List<String> ids = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        List<Double> best = new ArrayList<>();
        List<Double> hypervolume = new ArrayList<>();
        Double bestSoFar = null;
        Double volume = null;
        for (TrialRecord t : ended) {
            if (t.result instanceof org.naspipeline.api.TrialResult.Completed c) {
                bestSoFar = bestSoFar == null ? c.metrics().accuracy() : Math.max(bestSoFar, c.metrics().accuracy());
                if (ParetoTracker.offer(scratch, t.trialId, c.metrics()).entered()) {
                    volume = ParetoTracker.hypervolume(scratch);
                }
            }
            ids.add(t.trialId);
            at.add(t.endedAtMillis > 0 ? t.endedAtMillis : null);
            best.add(bestSoFar);
            hypervolume.add(volume);
        }
        return new History(ids, at, best, hypervolume);
    }
}
