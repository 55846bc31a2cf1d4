package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.naspipeline.api.TrialResult;

/**
 * Single-objective TPE: the good set is the ⌈γ·n⌉ best scores (at most {@code maxGood}) of all results so
 * far, the score being the spec's scalarization (infeasible and failed trials score below everything, see
 * {@link Scoring}); under a multi-fidelity scheduler, the best (rung, score), a higher rung first. Kept as a
 * sorted list of the {@code maxGood} best, so a result costs O(maxGood).
 */
final class Tpe extends AbstractTpe {
    /** A higher rung first, then a higher score, then arrival order. */
    private static final Comparator<Observation> BEST_FIRST = Comparator.comparingInt(Observation::rung).reversed()
            .thenComparing(Comparator.comparingDouble(Observation::score).reversed())
            .thenComparingLong(Observation::sequence);
    private final Scoring scoring;
    private final List<Observation> top = new ArrayList<>();

    Tpe(StrategyContext context, TpeSettings settings) {
        super(context, settings);
        this.scoring = new Scoring(context.objectives());
    }

    @Override
    protected Observation observe(long sequence, int[] coded, TrialResult result, int rung) {
        return new Observation(sequence, coded, rung, scoring.score(result), null, 0);
    }

    @Override
    protected void remember(Observation o, boolean replaces) {
        if (replaces) {
            top.removeIf(held -> held.sequence() == o.sequence());
        }
        int at = java.util.Collections.binarySearch(top, o, BEST_FIRST);
        top.add(at < 0 ? -at - 1 : at, o);
        if (top.size() > settings.maxGood()) {
            top.remove(top.size() - 1);
        }
    }

    @Override
    protected List<Observation> selectGood(int n) {
        return top.subList(0, Math.min(top.size(), settings.good(n)));
    }
}
