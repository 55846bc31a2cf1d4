package org.naspipeline.strategy.pareto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Exact hypervolume of a point set (all objectives minimized) with respect to a reference point, for 2 and 3
 * objectives: the measure of the region dominated by the set and bounded by the reference. Points that do not
 * strictly dominate the reference contribute nothing. Normalize objectives first when their scales differ.
 */
public final class Hypervolume {
    private Hypervolume() {}

    /** The hypervolume; {@code points} may contain dominated points and duplicates. */
    public static double of(List<double[]> points, double[] reference) {
        List<double[]> inside = new ArrayList<>();
        for (double[] p : points) {
            if (p.length != reference.length) {
                throw new IllegalArgumentException("point has " + p.length + " objectives, reference " + reference.length);
            }
            boolean dominatesRef = true;
            for (int i = 0; i < p.length; i++) {
                dominatesRef &= p[i] < reference[i];
            }
            if (dominatesRef) {
                inside.add(p);
            }
        }
        return switch (reference.length) {
            case 1 -> inside.stream().mapToDouble(p -> reference[0] - p[0]).max().orElse(0);
            case 2 -> twoD(inside, reference[0], reference[1]);
            case 3 -> threeD(inside, reference);
            default -> throw new IllegalArgumentException("hypervolume is implemented for 1 to 3 objectives, not " + reference.length);
        };
    }

    /** Sweep along x over the staircase of non-dominated points: each step adds its strip up to the next step. */
    private static double twoD(List<double[]> points, double rx, double ry) {
        double[][] sorted = points.toArray(double[][]::new);
        Arrays.sort(sorted, Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
        List<double[]> staircase = new ArrayList<>();
        for (double[] p : sorted) {
            if (staircase.isEmpty() || p[1] < staircase.get(staircase.size() - 1)[1]) {
                staircase.add(p);
            }
        }
        double area = 0;
        for (int i = 0; i < staircase.size(); i++) {
            double nextX = i + 1 < staircase.size() ? staircase.get(i + 1)[0] : rx;
            area += (nextX - staircase.get(i)[0]) * (ry - staircase.get(i)[1]);
        }
        return area;
    }

    /** Slices along z: between consecutive z values the dominated area is the 2-D hypervolume of the points below. */
    private static double threeD(List<double[]> points, double[] ref) {
        double[][] sorted = points.toArray(double[][]::new);
        Arrays.sort(sorted, Comparator.comparingDouble(p -> p[2]));
        double volume = 0;
        List<double[]> below = new ArrayList<>();
        for (int i = 0; i < sorted.length; i++) {
            below.add(sorted[i]);
            double top = i + 1 < sorted.length ? sorted[i + 1][2] : ref[2];
            if (top > sorted[i][2]) {
                volume += twoD(below, ref[0], ref[1]) * (top - sorted[i][2]);
            }
        }
        return volume;
    }
}
