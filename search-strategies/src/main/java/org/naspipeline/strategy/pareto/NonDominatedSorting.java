package org.naspipeline.strategy.pareto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** Fast non-dominated sorting with constraints and crowding distance (Deb et al. 2002), for NSGA-II. */
public final class NonDominatedSorting {
    private NonDominatedSorting() {}

    /** Rank (0 = first front) and crowding distance of each point. */
    public record Ranking(int[] rank, double[] crowding) {}

    /** Ranks {@code n} points by constrained dominance, then computes crowding within each front. O(n² m). */
    public static Ranking rank(double[][] objectives, double[] violation) {
        int n = objectives.length;
        int[] rank = new int[n];
        int[] dominatedBy = new int[n];
        List<List<Integer>> dominates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            dominates.add(new ArrayList<>());
        }
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j && Dominance.constrainedDominates(objectives[i], violation[i], objectives[j], violation[j])) {
                    dominates.get(i).add(j);
                } else if (i != j && Dominance.constrainedDominates(objectives[j], violation[j], objectives[i], violation[i])) {
                    dominatedBy[i]++;
                }
            }
            if (dominatedBy[i] == 0) {
                front.add(i);
            }
        }
        double[] crowding = new double[n];
        int level = 0;
        while (!front.isEmpty()) {
            crowd(front, objectives, crowding);
            List<Integer> next = new ArrayList<>();
            for (int i : front) {
                rank[i] = level;
                for (int j : dominates.get(i)) {
                    if (--dominatedBy[j] == 0) {
                        next.add(j);
                    }
                }
            }
            front = next;
            level++;
        }
        return new Ranking(rank, crowding);
    }

    /**
     * Ranks points that belong to levels (the fidelity rungs they were measured at) like with like: every
     * front of a higher level ranks above every front of a lower level, and within a level the points are
     * ranked by {@link #rank(double[][], double[])}, crowding included. With one level this is exactly
     * {@link #rank(double[][], double[])}.
     */
    public static Ranking rank(double[][] objectives, double[] violation, int[] level) {
        int n = objectives.length;
        int[] levels = Arrays.stream(level).distinct().sorted().toArray();
        if (levels.length <= 1) {
            return rank(objectives, violation);
        }
        int[] rank = new int[n];
        double[] crowding = new double[n];
        int offset = 0;
        for (int l = levels.length - 1; l >= 0; l--) {
            int[] members = new int[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (level[i] == levels[l]) {
                    members[k++] = i;
                }
            }
            double[][] objs = new double[k][];
            double[] viol = new double[k];
            for (int j = 0; j < k; j++) {
                objs[j] = objectives[members[j]];
                viol[j] = violation[members[j]];
            }
            Ranking within = rank(objs, viol);
            int fronts = 0;
            for (int j = 0; j < k; j++) {
                rank[members[j]] = offset + within.rank()[j];
                crowding[members[j]] = within.crowding()[j];
                fronts = Math.max(fronts, within.rank()[j] + 1);
            }
            offset += fronts;
        }
        return new Ranking(rank, crowding);
    }

    private static void crowd(List<Integer> front, double[][] objectives, double[] crowding) {
        int m = objectives[front.get(0)].length;
        for (int i : front) {
            crowding[i] = 0;
        }
        Integer[] order = front.toArray(Integer[]::new);
        for (int k = 0; k < m; k++) {
            final int obj = k;
            Arrays.sort(order, Comparator.comparingDouble(i -> objectives[i][obj]));
            double lo = objectives[order[0]][k];
            double hi = objectives[order[order.length - 1]][k];
            crowding[order[0]] = Double.POSITIVE_INFINITY;
            crowding[order[order.length - 1]] = Double.POSITIVE_INFINITY;
            if (hi > lo) {
                for (int i = 1; i < order.length - 1; i++) {
                    crowding[order[i]] += (objectives[order[i + 1]][k] - objectives[order[i - 1]][k]) / (hi - lo);
                }
            }
        }
    }
}
