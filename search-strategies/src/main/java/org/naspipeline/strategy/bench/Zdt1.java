package org.naspipeline.strategy.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * ZDT1 (Zitzler, Deb, Thiele 2000) discretized: n variables on the grid {0, 1/s, …, 1}; f1 = x1,
 * g = 1 + 9·mean(x2..xn), f2 = g·(1 − √(f1/g)), both minimized. The Pareto front is g = 1, i.e.
 * f2 = 1 − √f1 at the grid values of x1, so its hypervolume is known exactly.
 */
public final class Zdt1 {
    /** The customary reference point for ZDT1's hypervolume. */
    public static final double[] REFERENCE = {1.1, 1.1};
    private final int steps;

    /** A ZDT1 whose variables take {@code steps + 1} grid values. */
    public Zdt1(int steps) {
        this.steps = steps;
    }

    /** Objectives (f1, f2) of grid indices {@code v[i] ∈ [0, steps]}. */
    public double[] objectives(int[] v) {
        double f1 = (double) v[0] / steps;
        double sum = 0;
        for (int i = 1; i < v.length; i++) {
            sum += (double) v[i] / steps;
        }
        double g = 1 + 9 * sum / (v.length - 1);
        return new double[] {f1, g * (1 - Math.sqrt(f1 / g))};
    }

    /** The true Pareto front on the grid. */
    public List<double[]> front() {
        List<double[]> front = new ArrayList<>();
        for (int i = 0; i <= steps; i++) {
            double f1 = (double) i / steps;
            front.add(new double[] {f1, 1 - Math.sqrt(f1)});
        }
        return front;
    }
}
