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
 */
final class Nsga2 extends AbstractStrategy {
    private final int populationSize;
    private final double crossoverProbability;
    private final List<Objective> objectives;
    private final Scoring constraints;
    private final List<Member> population = new ArrayList<>();
    private NonDominatedSorting.Ranking ranking;

    private record Member(int[] genes, double[] objectives, double violation) {}

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
    protected void onResult(int[] genes, TrialResult result) {
        Member m;
        if (result instanceof TrialResult.Completed c) {
            m = new Member(genes, vector(c.metrics()), constraints.violation(c.metrics()));
        } else {
            m = new Member(genes, new double[objectives.size()], Double.POSITIVE_INFINITY);
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
        for (int i = 0; i < objs.length; i++) {
            objs[i] = population.get(i).objectives();
            viol[i] = population.get(i).violation();
        }
        return NonDominatedSorting.rank(objs, viol);
    }
}
