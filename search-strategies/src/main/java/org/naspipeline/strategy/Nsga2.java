package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.Objective;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.pareto.NonDominatedSorting;

/**
 * Steady-state NSGA-II (Deb et al. 2002), fit for results that arrive one at a time. The population holds up
 * to N evaluated candidates ranked by constrained non-dominated sorting and crowding distance. A proposal
 * picks two parents by binary tournament on (rank, crowding), crosses them uniformly and mutates each decision
 * with probability 1/genes (at least one). Each result joins the population; above N, the member with the
 * worst rank and the smallest crowding leaves. Until N results exist, proposals are random. A failed trial
 * is an infinitely infeasible point, so it never survives against a completed one. Cost per call: O(N² m),
 * independent of history length.
 *
 * <p>Under a multi-fidelity scheduler the ranking compares by rung before rank: the members measured at the
 * highest rung are sorted first, and each of their fronts ranks above every front of a lower rung, so
 * tournaments and truncation compare like with like. A trial's higher-rung result replaces its member in
 * place (the population does not grow); a trial whose member already left joins as a new result.
 */
final class Nsga2 extends AbstractStrategy {
    private final int populationSize;
    private final double crossoverProbability;
    private final List<Objective> objectives;
    private final Scoring constraints;
    private final List<Member> population = new ArrayList<>();
    private NonDominatedSorting.Ranking ranking;

    private record Member(String trialId, int[] genes, int rung, double[] objectives, double violation) {}

    Nsga2(StrategyContext context, int populationSize, double crossoverProbability) {
        super(context);
        this.populationSize = populationSize;
        this.crossoverProbability = crossoverProbability;
        this.objectives = context.objectives().objectives();
        this.constraints = new Scoring(context.objectives());
    }

    @Override
    protected int[] propose() {
        if (population.size() < populationSize) {
            return encoding.sample(rnd);
        }
        int[] a = population.get(tournament()).genes();
        int[] b = population.get(tournament()).genes();
        int[] child = a.clone();
        if (rnd.nextDouble() < crossoverProbability) {
            for (int g = 0; g < child.length; g++) {
                if (rnd.nextBoolean()) {
                    child[g] = b[g];
                }
            }
        }
        boolean mutated = false;
        for (int g = 0; g < child.length; g++) {
            if (encoding.arity(g) > 1 && rnd.nextDouble() < 1.0 / child.length) {
                child[g] = rnd.nextInt(encoding.arity(g));
                mutated = true;
            }
        }
        return mutated ? encoding.canonical(child) : encoding.mutate(child, rnd);
    }

    private int tournament() {
        int i = rnd.nextInt(population.size());
        int j = rnd.nextInt(population.size());
        int[] rank = ranking.rank();
        double[] crowding = ranking.crowding();
        if (rank[i] != rank[j]) {
            return rank[i] < rank[j] ? i : j;
        }
        return crowding[i] >= crowding[j] ? i : j;
    }

    @Override
    protected void onResult(int[] genes, TrialResult result, int rung, boolean replaces) {
        Member m;
        if (result instanceof TrialResult.Completed c) {
            m = new Member(result.trialId(), genes, rung, vector(c.metrics()), constraints.violation(c.metrics()));
        } else {
            m = new Member(result.trialId(), genes, rung, new double[objectives.size()], Double.POSITIVE_INFINITY);
        }
        int held = replaces ? indexOf(m.trialId()) : -1;
        if (held >= 0) {
            population.set(held, m);
            ranking = rank();
            return;
        }
        population.add(m);
        ranking = rank();
        if (population.size() > populationSize) {
            int worst = 0;
            for (int i = 1; i < population.size(); i++) {
                if (ranking.rank()[i] > ranking.rank()[worst]
                        || (ranking.rank()[i] == ranking.rank()[worst] && ranking.crowding()[i] < ranking.crowding()[worst])) {
                    worst = i;
                }
            }
            population.remove(worst);
            ranking = rank();
        }
    }

    private int indexOf(String trialId) {
        for (int i = 0; i < population.size(); i++) {
            if (population.get(i).trialId().equals(trialId)) {
                return i;
            }
        }
        return -1;
    }

    /** The number of members (for tests). */
    int members() {
        return population.size();
    }

    /** The rank of the trial's member, 0 the first front; −1 when it holds none (for tests). */
    int rankOf(String trialId) {
        int i = indexOf(trialId);
        return i < 0 ? -1 : ranking.rank()[i];
    }

    private double[] vector(TrialMetrics metrics) {
        double[] v = new double[objectives.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = objectives.get(i).minimizationValue(metrics);
        }
        return v;
    }

    private NonDominatedSorting.Ranking rank() {
        double[][] objs = new double[population.size()][];
        double[] viol = new double[population.size()];
        int[] rungs = new int[population.size()];
        for (int i = 0; i < objs.length; i++) {
            objs[i] = population.get(i).objectives();
            viol[i] = population.get(i).violation();
            rungs[i] = population.get(i).rung();
        }
        return NonDominatedSorting.rank(objs, viol, rungs);
    }
}
