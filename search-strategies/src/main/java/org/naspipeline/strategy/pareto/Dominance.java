package org.naspipeline.strategy.pareto;

/** Pareto dominance between objective vectors where every objective is minimized. */
public final class Dominance {
    private Dominance() {}

    /** True when {@code a} is no worse than {@code b} everywhere and better somewhere. */
    public static boolean dominates(double[] a, double[] b) {
        boolean better = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > b[i]) {
                return false;
            }
            if (a[i] < b[i]) {
                better = true;
            }
        }
        return better;
    }

    /**
     * Constrained dominance (Deb 2002): a feasible point beats an infeasible one; of two infeasible points the
     * smaller violation wins; of two feasible points ordinary dominance decides.
     */
    public static boolean constrainedDominates(double[] a, double violationA, double[] b, double violationB) {
        if (violationA <= 0 && violationB > 0) {
            return true;
        }
        if (violationA > 0 || violationB > 0) {
            return violationA > 0 && violationB > 0 && violationA < violationB;
        }
        return dominates(a, b);
    }
}
