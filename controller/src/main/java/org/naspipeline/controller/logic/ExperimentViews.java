package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.Objective;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;

/** The read models of the REST API, derived from an experiment's stored state. */
public final class ExperimentViews {
    private ExperimentViews() {}

    /**
     * One experiment at a glance; {@code startedAtMillis}: when it was accepted (wall clock; null in a summary
     * forwarded by an older controller instance, which lacks it); {@code scheduler}: the scheduler it trains under
     * (null for none, and from an older instance).
     */
    public record Summary(String id, String name, String tenant, ExperimentStatus status, String strategy, int maxTrials,
                          int parallelism, int issued, int inFlight, int completed, int failed, String bestTrialId,
                          Double bestAccuracy, int paretoFrontSize, Double hypervolume,
                          @org.naspipeline.api.AddedField Long startedAtMillis,
                          @org.naspipeline.api.AddedField Scheduler scheduler) {

        /** A summary without the scheduler (as an instance older than it forwards one). */
        public Summary(String id, String name, String tenant, ExperimentStatus status, String strategy, int maxTrials,
                       int parallelism, int issued, int inFlight, int completed, int failed, String bestTrialId,
                       Double bestAccuracy, int paretoFrontSize, Double hypervolume, Long startedAtMillis) {
            this(id, name, tenant, status, strategy, maxTrials, parallelism, issued, inFlight, completed, failed, bestTrialId,
                    bestAccuracy, paretoFrontSize, hypervolume, startedAtMillis, null);
        }
    }

    /**
     * The scheduler in effect ({@code median}, {@code asha}, {@code hyperband}; a summary has null for none), and for
     * the promoting ones the epochs of each rung, lowest first (or, when {@code resource} is {@code examples}, the
     * training examples of each rung in {@code rungExamples}, and {@code rungEpochs} null), η and the number of
     * brackets (1 under ASHA).
     */
    public record Scheduler(String type, List<Integer> rungEpochs, Integer reductionFactor, Integer brackets,
                            @org.naspipeline.api.AddedField String resource,
                            @org.naspipeline.api.AddedField List<Long> rungExamples) {
        /** A scheduler whose rungs count epochs (or that has none). */
        public Scheduler(String type, List<Integer> rungEpochs, Integer reductionFactor, Integer brackets) {
            this(type, rungEpochs, reductionFactor, brackets, rungEpochs == null ? null : "epochs", null);
        }

        /** Whether trials train rung by rung (ASHA, Hyperband). */
        public boolean promotes() {
            return rungEpochs != null || rungExamples != null;
        }
    }

    /**
     * One trial: its candidate, current attempt, status, and metrics or failure reason; the artifact of a completed
     * trial; {@code durationSeconds} from the current attempt's scheduling to the trial's end (null until it ended);
     * under a promoting scheduler (ASHA, Hyperband), {@code rung}: the highest rung it completed (the rung of
     * {@code metrics}) and {@code rungEpochs} the epochs it trained to (or {@code rungExamples} the training examples,
     * when the rungs count them), null without such a scheduler, before its first rung completed, and for a
     * distillation teacher.
     */
    public record TrialRow(String trialId, int attempt, TrialStatus status, Candidate candidate, TrialMetrics metrics,
                           String workerId, String reason, String artifactUri, Double durationSeconds, Integer rung,
                           Integer rungEpochs, @org.naspipeline.api.AddedField Long rungExamples) {
        /** A row without examples (rungs of epochs, or none). */
        public TrialRow(String trialId, int attempt, TrialStatus status, Candidate candidate, TrialMetrics metrics,
                        String workerId, String reason, String artifactUri, Double durationSeconds, Integer rung,
                        Integer rungEpochs) {
            this(trialId, attempt, status, candidate, metrics, workerId, reason, artifactUri, durationSeconds, rung,
                    rungEpochs, null);
        }
    }

    /** One point of the Pareto front, in the objectives' own units. */
    public record ParetoPoint(String trialId, Map<String, Double> objectives, Candidate candidate) {}

    /**
     * The feasible non-dominated trials over the spec's objectives, and their hypervolume against
     * {@code reference} (in minimization form: accuracy negated), for 1 to 3 objectives.
     */
    public record Pareto(String id, List<Objective> objectives, List<ParetoPoint> front, Double hypervolume,
                         double[] reference) {}

    /** The summary of {@code state}, from its header alone. */
    public static Summary summary(ExperimentState state) {
        return new Summary(state.spec.id(), state.spec.name(), state.tenant, state.status, state.spec.strategy().name(),
                state.spec.budget().maxTrials(), state.spec.budget().parallelism(), state.issued, state.inFlight(),
                state.completed, state.failed, state.bestTrialId, state.bestAccuracy, state.front.size(),
                ParetoTracker.hypervolume(state), state.startedAtMillis, scheduler(state.spec));
    }

    /** The scheduler {@code spec} trains under, or null for none. */
    public static Scheduler scheduler(org.naspipeline.api.ExperimentSpec spec) {
        SchedulerSpec s = spec.effectiveScheduler();
        if (s.type() == SchedulerSpec.Type.NONE) {
            return null;
        }
        String type = s.type().name().toLowerCase(java.util.Locale.ROOT);
        if (!s.type().promotes()) {
            return new Scheduler(type, null, null, null);
        }
        if (s.countsExamples()) {
            return new Scheduler(type, null, s.reductionFactor(), s.bracketCount(spec.training()), "examples",
                    java.util.Arrays.stream(s.rungExamples()).boxed().toList());
        }
        return new Scheduler(type, java.util.Arrays.stream(s.rungEpochs(spec.training())).boxed().toList(), s.reductionFactor(),
                s.bracketCount(spec.training()));
    }

    /**
     * The completed rungs of {@code trial}, lowest first: none for a record without them (written before
     * schedulers, or with {@code "rungs": null}).
     */
    public static List<TrialRecord.RungResult> rungs(TrialRecord trial) {
        return trial.rungs == null ? List.of() : trial.rungs.stream().filter(java.util.Objects::nonNull).toList();
    }

    /** Every trial of {@code state}, in the order they were created. */
    public static List<TrialRow> trials(ExperimentState state) {
        return trials(state.trials.all());
    }

    /** The rows of {@code trials}, in their order. */
    public static List<TrialRow> trials(List<TrialRecord> trials) {
        List<TrialRow> rows = new ArrayList<>();
        for (TrialRecord t : trials) {
            TrialMetrics metrics = t.result instanceof TrialResult.Completed c ? c.metrics() : null;
            String reason = t.result instanceof TrialResult.Failed f ? f.reason() : null;
            String worker = t.result == null ? null : t.result.workerId();
            String artifact = t.result instanceof TrialResult.Completed c ? c.artifactUri() : null;
            Double duration = t.endedAtMillis > 0 && t.scheduledAtMillis > 0 && !t.inFlight()
                    ? Math.max(0, t.endedAtMillis - t.scheduledAtMillis) / 1000.0 : null;
            List<TrialRecord.RungResult> done = rungs(t);
            TrialRecord.RungResult top = done.isEmpty() ? null : done.get(done.size() - 1);
            boolean examples = top != null && top.examples() != null;
            rows.add(new TrialRow(t.trialId, t.attempt, t.status, t.candidate, metrics, worker, reason, artifact, duration,
                    top == null ? null : top.rung(), top == null || examples ? null : top.epochs(),
                    examples ? top.examples() : null));
        }
        return rows;
    }

    /** The Pareto front kept in the header, with each point's metrics and candidate from the trial table. */
    public static Pareto pareto(ExperimentState state) {
        List<Objective> objectives = state.spec.objectives().objectives();
        List<ParetoPoint> points = new ArrayList<>();
        for (String id : ParetoTracker.ids(state)) {
            TrialRecord t = state.trials.get(id);
            TrialMetrics m = ((TrialResult.Completed) t.result).metrics();
            Map<String, Double> values = new LinkedHashMap<>();
            objectives.forEach(o -> values.put(o.metric().jsonName(), o.metric().of(m)));
            points.add(new ParetoPoint(id, values, t.candidate));
        }
        return new Pareto(state.spec.id(), objectives, points, ParetoTracker.hypervolume(state), ParetoTracker.reference(state));
    }
}
