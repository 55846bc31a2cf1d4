package org.naspipeline.strategy.pareto;

import java.util.ArrayList;
import java.util.List;

/** The best value seen so far for each objective (all minimized), with the label of the point that set it. */
public final class BestSoFar<T> {
    private final double[] best;
    private final List<T> labels;

    /** Tracks {@code objectives} objectives. */
    public BestSoFar(int objectives) {
        this.best = new double[objectives];
        java.util.Arrays.fill(best, Double.POSITIVE_INFINITY);
        this.labels = new ArrayList<>(java.util.Collections.nCopies(objectives, null));
    }

    /** Offers a point; returns the indices of the objectives it improved (empty when none). */
    public List<Integer> offer(double[] objectives, T label) {
        List<Integer> improved = new ArrayList<>();
        for (int i = 0; i < best.length; i++) {
            if (objectives[i] < best[i]) {
                best[i] = objectives[i];
                labels.set(i, label);
                improved.add(i);
            }
        }
        return improved;
    }

    /** The best value of objective {@code i} (positive infinity before any point). */
    public double best(int i) {
        return best[i];
    }

    /** The label of the point holding objective {@code i}'s best value, or null. */
    public T label(int i) {
        return labels.get(i);
    }
}
