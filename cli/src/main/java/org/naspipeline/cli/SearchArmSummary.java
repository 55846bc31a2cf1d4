package org.naspipeline.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialStatus;

/**
 * The figures of one arm of {@code nas bench search}, from its experiment's events as the controller produced them:
 * what counts, what the best is and how it improved over wall-clock time. Pure, no I/O.
 *
 * <p>Only what happened within the budget counts: a result produced after it (a trial that was still running when
 * the arm was stopped) is listed as such and left out of every figure. Every completed result counts, at whatever
 * rung it was trained to (under ASHA a first-rung model is as deployable as any: trained, quantized and measured).
 * The incumbent is the feasible result (every constraint of the spec held) with the highest validation accuracy, the
 * figure the search optimizes; the figure reported for it is its test accuracy, never used to choose. So the curve
 * is monotone in validation accuracy, and its test accuracy may dip where a better-validating model tests lower.
 */
final class SearchArmSummary {
    private SearchArmSummary() {}

    /** An event of the arm's experiment and when the controller produced it, in ms after the arm's start. */
    record TimedEvent(long atMillis, ExperimentEvent event) {}

    /**
     * One completed result: a trial trained to {@code epochs} (in {@code trainSeconds}, on the worker's clock); when
     * the rungs count training examples, {@code examples} is the rung's count and {@code epochs} that count over the
     * result's training-set size (0.25: a quarter of an epoch).
     */
    record Result(String trialId, double epochs, double atSeconds, double accuracy, double testAccuracy, long sizeBytes,
                  long params, double trainSeconds, String model, boolean feasible, boolean withinBudget, Long examples) {}

    /** A new incumbent: from {@code seconds} on, the best feasible result is this one. */
    record CurvePoint(double seconds, String trialId, double epochs, double accuracy, double testAccuracy, long sizeBytes) {}

    /**
     * The arm's figures: distinct trials scheduled, with a completed result, and failed without one, within the budget;
     * promotions to a higher rung; completed results by epochs trained; results after the budget and infeasible ones;
     * the final incumbent ({@code best}, null when no feasible result) and the incumbents in order ({@code curve}).
     */
    record Figures(int trialsStarted, int trialsCompleted, int trialsFailed, int promotions,
                   Map<String, Integer> resultsByEpochs, int resultsAfterBudget, int infeasibleResults, CurvePoint best,
                   List<CurvePoint> curve, List<Result> results) {}

    /**
     * Summarizes {@code events}.
     *
     * @param rungs the epochs of each rung under a promoting scheduler (indexed by the events' {@code rung}), or each
     *     rung's training examples when {@code examples}
     * @param trialEpochs the epochs of a result without a rung
     */
    static Figures summarize(List<TimedEvent> events, double budgetSeconds, long[] rungs, boolean examples, int trialEpochs,
                             ObjectivesSpec objectives) {
        long budgetMillis = Math.round(budgetSeconds * 1000);
        Set<String> started = new HashSet<>();
        Map<String, Integer> firstRung = new HashMap<>();
        Set<String> promoted = new HashSet<>();
        Set<String> completed = new HashSet<>();
        Set<String> failed = new HashSet<>();
        List<Result> results = new ArrayList<>();
        List<TimedEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(TimedEvent::atMillis));
        for (TimedEvent t : sorted) {
            boolean within = t.atMillis() <= budgetMillis;
            if (t.event() instanceof ExperimentEvent.TrialScheduled s && within) {
                started.add(s.trialId());
                int rung = s.rung() == null ? 0 : s.rung();
                int first = firstRung.computeIfAbsent(s.trialId(), k -> rung);
                if (rung > first) {
                    promoted.add(s.trialId() + "#" + rung);
                }
            } else if (t.event() instanceof ExperimentEvent.TrialFinished f) {
                if (f.status() == TrialStatus.COMPLETED && f.metrics() != null) {
                    TrialMetrics m = f.metrics();
                    boolean ranked = f.rung() != null && f.rung() < rungs.length;
                    Long count = ranked && examples ? rungs[f.rung()] : null;
                    double epochs = !ranked ? trialEpochs : count == null ? rungs[f.rung()]
                            : m.trainSamples() > 0 ? (double) count / m.trainSamples() : Double.NaN;
                    boolean feasible = objectives.constraints().stream().allMatch(c -> c.violation(m) == 0);
                    results.add(new Result(f.trialId(), epochs, t.atMillis() / 1000.0, m.accuracy(), m.testAccuracy(),
                            m.sizeBytes(), m.params(), m.trainSeconds(), m.inference() == null ? null : m.inference().model(), feasible,
                            within, count));
                    if (within) {
                        completed.add(f.trialId());
                    }
                } else if (within) {
                    failed.add(f.trialId());
                }
            }
        }
        failed.removeAll(completed);
        Map<Double, Integer> byEpochs = new TreeMap<>();
        int late = 0;
        int infeasible = 0;
        List<CurvePoint> curve = new ArrayList<>();
        for (Result r : results) {
            if (!r.withinBudget()) {
                late++;
                continue;
            }
            byEpochs.merge(r.epochs(), 1, Integer::sum);
            if (!r.feasible()) {
                infeasible++;
            } else if (curve.isEmpty() || r.accuracy() > curve.get(curve.size() - 1).accuracy()) {
                curve.add(new CurvePoint(r.atSeconds(), r.trialId(), r.epochs(), r.accuracy(), r.testAccuracy(), r.sizeBytes()));
            }
        }
        Map<String, Integer> byEpochsText = new java.util.LinkedHashMap<>();
        byEpochs.forEach((epochs, n) -> byEpochsText.put(epochsText(epochs), n));
        return new Figures(started.size(), completed.size(), failed.size(), promoted.size(), byEpochsText, late, infeasible,
                curve.isEmpty() ? null : curve.get(curve.size() - 1), curve, results);
    }

    /** A key of {@code resultsByEpochs}: whole epochs as integers ("4"), a part of one as a decimal ("0.25"). */
    static String epochsText(double epochs) {
        return epochs == Math.rint(epochs) && Math.abs(epochs) < 1e15 ? Long.toString((long) epochs)
                : java.math.BigDecimal.valueOf(epochs).stripTrailingZeros().toPlainString();
    }

    /** The first time the incumbent's test accuracy reached {@code testAccuracy}, in seconds; null if it never did. */
    static Double secondsToReach(List<CurvePoint> curve, double testAccuracy) {
        for (CurvePoint p : curve) {
            if (p.testAccuracy() >= testAccuracy) {
                return p.seconds();
            }
        }
        return null;
    }

    /** {@code objectives}' constraints as people read them, e.g. {@code sizeBytes ≤ 100000}. */
    static String describe(ObjectivesSpec objectives) {
        List<String> parts = new ArrayList<>();
        for (ObjectivesSpec.Constraint c : objectives.constraints()) {
            String name = c.metric() == null ? "?" : c.metric().jsonName();
            if (c.min() != null) {
                parts.add(name + " ≥ " + plain(c.min()));
            }
            if (c.max() != null) {
                parts.add(name + " ≤ " + plain(c.max()));
            }
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
