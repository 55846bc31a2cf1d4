package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.naspipeline.api.Objective;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.pareto.Hypervolume;
import org.naspipeline.strategy.pareto.NonDominatedSorting;

/**
 * Multi-objective TPE (Ozaki et al. 2020, 2022): the good set is filled front by front in constrained
 * non-dominated order (a feasible result beats an infeasible one, a smaller violation a larger one; a failed
 * trial is infinitely infeasible), and the front that does not fit whole contributes its members of largest
 * hypervolume contribution (objectives normalized over the archive, reference 1.1 in each; by smallest
 * violation when that front is infeasible). The ranking runs over a bounded archive of 2 × {@code maxGood}
 * results, truncated like NSGA-II (worst rank, then least crowded, leaves): the good set, at most half of it,
 * takes fronts best first, so what leaves is what it would take last (crowding standing in for hypervolume
 * contribution within a front), and a tell costs O(maxGood² · m) whatever the history. Under a multi-fidelity
 * scheduler the fronts of the highest rung come first (see {@link NonDominatedSorting#rank(double[][],
 * double[], int[])}), and a trial's higher-rung result replaces its archive entry.
 */
final class MoTpe extends AbstractTpe {
    private final List<Objective> objectives;
    private final Scoring constraints;
    private final int archiveSize;
    private final List<Observation> archive = new ArrayList<>();

    MoTpe(StrategyContext context, TpeSettings settings) {
        super(context, settings);
        this.objectives = context.objectives().objectives();
        this.constraints = new Scoring(context.objectives());
        this.archiveSize = 2 * settings.maxGood();
    }

    @Override
    protected Observation observe(long sequence, int[] coded, TrialResult result, int rung) {
        double[] v = new double[objectives.size()];
        if (result instanceof TrialResult.Completed c) {
            TrialMetrics m = c.metrics();
            for (int i = 0; i < v.length; i++) {
                v[i] = objectives.get(i).minimizationValue(m);
            }
            return new Observation(sequence, coded, rung, 0, v, constraints.violation(m));
        }
        return new Observation(sequence, coded, rung, 0, v, Double.POSITIVE_INFINITY);
    }

    @Override
    protected void remember(Observation o, boolean replaces) {
        if (replaces) {
            for (int i = 0; i < archive.size(); i++) {
                if (archive.get(i).sequence() == o.sequence()) {
                    archive.set(i, o);
                    return;
                }
            }
        }
        archive.add(o);
        if (archive.size() <= archiveSize) {
            return;
        }
        NonDominatedSorting.Ranking r = rank();
        int worst = 0;
        for (int i = 1; i < archive.size(); i++) {
            if (r.rank()[i] > r.rank()[worst] || (r.rank()[i] == r.rank()[worst] && r.crowding()[i] < r.crowding()[worst])) {
                worst = i;
            }
        }
        archive.remove(worst);
    }

    private NonDominatedSorting.Ranking rank() {
        double[][] objs = new double[archive.size()][];
        double[] violation = new double[archive.size()];
        int[] rungs = new int[archive.size()];
        for (int i = 0; i < objs.length; i++) {
            objs[i] = archive.get(i).objectives();
            violation[i] = archive.get(i).violation();
            rungs[i] = archive.get(i).rung();
        }
        return NonDominatedSorting.rank(objs, violation, rungs);
    }

    @Override
    protected List<Observation> selectGood(int n) {
        int wanted = Math.min(archive.size(), settings.good(n));
        int[] rank = rank().rank();
        List<Observation> good = new ArrayList<>(wanted);
        for (int level = 0; good.size() < wanted; level++) {
            List<Observation> front = new ArrayList<>();
            for (int i = 0; i < rank.length; i++) {
                if (rank[i] == level) {
                    front.add(archive.get(i));
                }
            }
            if (good.size() + front.size() > wanted) {
                front = byContribution(front);
                front = front.subList(0, wanted - good.size());
            }
            good.addAll(front);
        }
        return good;
    }

    /** The members of one front, the largest hypervolume contribution (or smallest violation) first. */
    private List<Observation> byContribution(List<Observation> front) {
        List<Observation> sorted = new ArrayList<>(front);
        int m = objectives.size();
        if (front.get(0).violation() > 0 || m < 2 || m > 3) {
            sorted.sort(Comparator.comparingDouble(Observation::violation).thenComparingLong(Observation::sequence));
            return sorted;
        }
        double[] lo = new double[m];
        double[] hi = new double[m];
        java.util.Arrays.fill(lo, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (Observation o : archive) {
            if (o.violation() <= 0) {
                for (int k = 0; k < m; k++) {
                    lo[k] = Math.min(lo[k], o.objectives()[k]);
                    hi[k] = Math.max(hi[k], o.objectives()[k]);
                }
            }
        }
        List<double[]> points = new ArrayList<>(front.size());
        for (Observation o : front) {
            double[] p = new double[m];
            for (int k = 0; k < m; k++) {
                p[k] = hi[k] > lo[k] ? (o.objectives()[k] - lo[k]) / (hi[k] - lo[k]) : 0;
            }
            points.add(p);
        }
        double[] reference = new double[m];
        java.util.Arrays.fill(reference, 1.1);
        double total = Hypervolume.of(points, reference);
        java.util.Map<Long, Double> contribution = new java.util.HashMap<>();
        for (int i = 0; i < front.size(); i++) {
            List<double[]> others = new ArrayList<>(points);
            others.remove(i);
            contribution.put(front.get(i).sequence(), total - Hypervolume.of(others, reference));
        }
        sorted.sort(Comparator.comparingDouble((Observation o) -> -contribution.get(o.sequence()))
                .thenComparingLong(Observation::sequence));
        return sorted;
    }
}
