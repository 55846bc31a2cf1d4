package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.TrialResult;

/**
 * Regularized (aging) evolution, Real et al. 2019, steady-state: the population holds the last P evaluated
 * candidates; a proposal mutates one decision of the best of S members sampled at random; each result joins
 * the population and the oldest member leaves. Until P results exist, proposals are random. Failed trials
 * never join the population. Every call costs O(S), whatever the history length.
 */
final class RegularizedEvolution extends AbstractStrategy {
    private final int populationSize;
    private final int sampleSize;
    private final Scoring scoring;
    /** Ring buffer of members in arrival order; {@code oldest} indexes the next to leave. */
    private final List<Member> population = new ArrayList<>();
    private int oldest;

    private record Member(int[] genes, double score) {}

    RegularizedEvolution(StrategyContext context, int populationSize, int sampleSize) {
        super(context);
        this.populationSize = populationSize;
        this.sampleSize = sampleSize;
        this.scoring = new Scoring(context.objectives());
    }

    @Override
    protected int[] propose() {
        if (population.size() < populationSize) {
            return encoding.sample(rnd);
        }
        Member parent = null;
        for (int i = 0; i < sampleSize; i++) {
            Member m = population.get(rnd.nextInt(population.size()));
            if (parent == null || m.score() > parent.score()) {
                parent = m;
            }
        }
        return encoding.mutate(parent.genes(), rnd);
    }

    @Override
    protected void onResult(int[] genes, TrialResult result) {
        if (!(result instanceof TrialResult.Completed)) {
            scoring.score(result);
            return;
        }
        Member m = new Member(genes, scoring.score(result));
        if (population.size() < populationSize) {
            population.add(m);
        } else {
            population.set(oldest, m); // the oldest dies, whatever its score: that is the "regularization"
            oldest = (oldest + 1) % populationSize;
        }
    }
}
