package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.TrialResult;

/**
 * Regularized (aging) evolution, Real et al. 2019, steady-state: the population holds the last P evaluated
 * candidates; a proposal mutates one decision of the best of S members sampled at random; each result joins
 * the population and the oldest member leaves. Until P results exist, proposals are random. Failed trials
 * never join the population. Every call costs O(S), whatever the history length.
 *
 * <p>Under a multi-fidelity scheduler "best" compares (rung, score): a member measured at a higher rung wins
 * over any member of a lower rung. A trial's higher-rung result replaces its member's rung and score in
 * place, keeping its age; a trial whose member already left joins again as the youngest.
 */
final class RegularizedEvolution extends AbstractStrategy {
    private final int populationSize;
    private final int sampleSize;
    private final Scoring scoring;
    /** Ring buffer of members in arrival order; {@code oldest} indexes the next to leave. */
    private final List<Member> population = new ArrayList<>();
    /** The slot of each trial in the population. */
    private final Map<String, Integer> slots = new HashMap<>();
    private int oldest;

    private record Member(String trialId, int[] genes, int rung, double score) {
        boolean beats(Member other) {
            return rung != other.rung ? rung > other.rung : score > other.score;
        }
    }

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
            if (parent == null || m.beats(parent)) {
                parent = m;
            }
        }
        return encoding.mutate(parent.genes(), rnd);
    }

    @Override
    protected void onResult(int[] genes, TrialResult result, int rung, boolean replaces) {
        if (!(result instanceof TrialResult.Completed)) {
            scoring.score(result);
            return;
        }
        Member m = new Member(result.trialId(), genes, rung, scoring.score(result));
        Integer slot = slots.get(m.trialId());
        if (slot != null) {
            population.set(slot, m); // the same trial, measured longer: it keeps its age
        } else if (population.size() < populationSize) {
            slots.put(m.trialId(), population.size());
            population.add(m);
        } else {
            slots.remove(population.get(oldest).trialId());
            slots.put(m.trialId(), oldest);
            population.set(oldest, m); // the oldest dies, whatever its score: that is the "regularization"
            oldest = (oldest + 1) % populationSize;
        }
    }

    /** The number of members (for tests). */
    int members() {
        return population.size();
    }

    /** Whether the trial has a member (for tests). */
    boolean holds(String trialId) {
        return slots.containsKey(trialId);
    }
}
