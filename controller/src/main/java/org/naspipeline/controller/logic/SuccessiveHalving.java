package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.strategy.pareto.NonDominatedSorting;

/**
 * Asynchronous successive halving (ASHA, Li et al. 2018) and Hyperband as brackets of it.
 *
 * <p>Rungs are at {@code minEpochs}·η<sup>k</sup> epochs below {@code maxEpochs}, and at {@code maxEpochs} (or, with
 * {@code resource: examples}, at {@code minExamples}·η<sup>k</sup> training examples below {@code maxExamples}, and
 * at {@code maxExamples}: the request then names its rung's examples, and trains {@code training.epochs} no more). A trial
 * trains to the first rung of its bracket and stops there, its result and checkpoint recorded. Whenever slots are
 * free, promotions go first: scanning from the highest rung down, a trial at rung k whose highest rung is k, that
 * is among the top ⌊n/η⌋ of the n results recorded at rung k in its bracket, not in flight and not yet promoted, is
 * promoted: a new attempt continues from its rung-k checkpoint to rung k + 1. Only when nothing is promotable does a
 * new trial start. Trials at the top rung are done.
 *
 * <p>Ranking within a rung: a single-objective experiment orders by the scalarization's score (feasible trials
 * first, infeasible ones by their constraint violation); a multi-objective one by constrained non-dominated rank,
 * then crowding distance (Deb et al. 2002) over the spec's objectives, as NSGA-II selects. Ties go to the earlier
 * trial. Hyperband: bracket b starts its trials at rung b, and new trials are dealt to the brackets in the
 * proportions of Li et al.'s Hyperband (⌈B/(h+1)⌉·η<sup>h</sup> trials for a bracket of h halvings, B brackets), in
 * a fixed interleaved order.
 */
final class SuccessiveHalving implements TrialScheduler {
    private final int eta;
    /** Each rung's epochs, or under {@code examples} each rung's training examples. */
    private final long[] rungs;
    private final boolean examples;
    private final int trainingEpochs;
    private final int[] bracketCycle;
    private final ObjectivesSpec objectives;

    SuccessiveHalving(SchedulerSpec scheduler, ExperimentSpec spec) {
        this.eta = scheduler.reductionFactor();
        this.rungs = scheduler.rungs(spec.training());
        this.examples = scheduler.countsExamples();
        this.trainingEpochs = spec.training().epochs();
        this.bracketCycle = cycle(scheduler.bracketCount(spec.training()), rungs.length, eta);
        this.objectives = spec.objectives();
    }

    /**
     * The order new trials are dealt to brackets: bracket b (h = rungs − 1 − b halvings) gets ⌈B/(h+1)⌉·η^h places in
     * a cycle, interleaved by smooth weighted round robin so each bracket's share holds over any stretch of trials.
     */
    static int[] cycle(int brackets, int rungs, int eta) {
        long[] weight = new long[brackets];
        long total = 0;
        for (int b = 0; b < brackets; b++) {
            int h = rungs - 1 - b;
            weight[b] = (long) Math.ceil((double) brackets / (h + 1)) * (long) Math.pow(eta, h);
            total += weight[b];
        }
        if (brackets == 1 || total > 100_000) {
            // one bracket (ASHA), or weights too large to list: deal in turn
            int[] plain = new int[brackets];
            Arrays.setAll(plain, b -> b);
            return plain;
        }
        int[] order = new int[(int) total];
        long[] current = new long[brackets];
        for (int i = 0; i < order.length; i++) {
            int pick = 0;
            for (int b = 0; b < brackets; b++) {
                current[b] += weight[b];
                if (current[b] > current[pick]) {
                    pick = b;
                }
            }
            current[pick] -= total;
            order[i] = pick;
        }
        return order;
    }

    @Override
    public boolean promotes() {
        return true;
    }

    @Override
    public void place(TrialRecord trial, int sequence) {
        trial.bracket = bracketCycle[(sequence - 1) % bracketCycle.length];
        trial.rung = trial.bracket;
        trial.rungFirstAttempt = trial.attempt;
    }

    @Override
    public int epochs(TrialRecord trial, int trialEpochs) {
        return examples ? trialEpochs : (int) rungs[trial.rung];
    }

    @Override
    public Long examples(TrialRecord trial) {
        return examples ? rungs[trial.rung] : null;
    }

    @Override
    public Fidelity fidelity(TrialRecord trial) {
        int top = rungs.length - 1;
        boolean save = trial.rung < top;
        TrialResult.Completed below = trial.rung > trial.bracket ? trial.resultAt(trial.rung - 1) : null;
        String from = below != null && below.checkpoint() != null ? below.checkpoint().uri() : null;
        Long at = from == null ? null : rungs[trial.rung - 1];
        return examples ? Fidelity.ofExamples(trial.rung, trainingEpochs, save, from, at, rungs[trial.rung], rungs[top])
                : new Fidelity(trial.rung, (int) rungs[top], save, from, at == null ? null : at.intValue());
    }

    /** Each rung's epochs, or under {@code examples} its training examples. */
    long[] rungs() {
        return rungs.clone();
    }

    @Override
    public List<TrialRecord> promotions(ExperimentState state, int n) {
        List<TrialRecord> trials = new ArrayList<>();
        for (TrialRecord t : state.trials.all()) {
            if (!state.isTeacher(t.trialId) && !t.rungs.isEmpty()) {
                trials.add(t);
            }
        }
        List<TrialRecord> out = new ArrayList<>();
        Set<String> chosen = new HashSet<>();
        int brackets = Arrays.stream(bracketCycle).max().orElse(0) + 1;
        for (int k = rungs.length - 2; k >= 0 && out.size() < n; k--) {
            for (int b = 0; b <= Math.min(k, brackets - 1) && out.size() < n; b++) {
                List<TrialRecord> ranked = ranked(state, trials, b, k);
                int keep = ranked.size() / eta;
                for (int i = 0; i < keep && out.size() < n; i++) {
                    TrialRecord t = ranked.get(i);
                    if (t.highestRung() == k && t.status == TrialStatus.COMPLETED && t.promotionFailure == null
                            && chosen.add(t.trialId)) {
                        out.add(t);
                    }
                }
            }
        }
        return out;
    }

    /** The trials of bracket {@code b} with a result at rung {@code k}, best first. */
    List<TrialRecord> ranked(ExperimentState state, List<TrialRecord> trials, int b, int k) {
        List<TrialRecord> members = new ArrayList<>();
        for (TrialRecord t : trials) {
            if (t.bracket == b && t.resultAt(k) != null) {
                members.add(t);
            }
        }
        Comparator<String> creation = ExperimentState.creationOrder(state.spec.id());
        int size = members.size();
        double[] violation = new double[size];
        double[][] points = new double[size][];
        boolean multi = objectives.objectives().size() > 1;
        for (int i = 0; i < size; i++) {
            TrialMetrics m = members.get(i).resultAt(k).metrics();
            for (ObjectivesSpec.Constraint c : objectives.constraints()) {
                violation[i] += c.violation(m);
            }
            points[i] = multi ? objectives.objectives().stream().mapToDouble(o -> o.minimizationValue(m)).toArray()
                    : new double[] {-objectives.scalarization().score(m)};
        }
        Integer[] order = new Integer[size];
        Arrays.setAll(order, i -> i);
        Comparator<Integer> byRank;
        if (multi) {
            NonDominatedSorting.Ranking r = NonDominatedSorting.rank(points, violation);
            byRank = Comparator.<Integer>comparingInt(i -> r.rank()[i]).thenComparing(i -> -r.crowding()[i]);
        } else {
            byRank = Comparator.<Integer>comparingDouble(i -> violation[i]).thenComparingDouble(i -> points[i][0]);
        }
        Arrays.sort(order, byRank.thenComparing(i -> members.get(i).trialId, creation));
        List<TrialRecord> out = new ArrayList<>(size);
        for (Integer i : order) {
            out.add(members.get(i));
        }
        return out;
    }
}
