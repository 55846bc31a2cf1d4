package org.naspipeline.strategy;

import java.util.Arrays;

/**
 * The per-gene kernel tables of a {@link ParzenEstimator} over {@code n} observations. They depend on n, not on
 * the observations, so TPE builds them once per n (the bad set's n stops changing once the window is full).
 *
 * <p>A categorical gene's kernel keeps the observed value with high probability and spreads the rest evenly
 * (Optuna's rule: one-hot plus priorWeight/(n+1) everywhere, normalized, so kernels sharpen as observations
 * accumulate). An ordered gene keeps the same probability on the observed value and gives the rest to the
 * other values in proportion to a Gaussian of their distance, so it is as sharp as a categorical kernel (a
 * coarse Gaussian over three filter sizes would be nearly uniform) yet moves to neighbours first; σ follows
 * Optuna's multivariate rule, 0.2 × range × n^(−1/(d+4)), at least one step. Column {@code arity} of each
 * table is an observation where the gene was inactive: uniform, it says nothing.
 */
final class ParzenKernels {
    final int n;
    /** [gene][value][observed value or arity] log kernel. */
    final double[][][] logKernel;
    /** [gene][value][observed value or arity] kernel divided by its row's largest entry, and that entry's log. */
    final double[][][] kernel;
    final double[][] logRowMax;
    /** [gene][observed value or arity][value] cumulative kernel, for sampling. */
    final double[][][] cumulative;

    ParzenKernels(int[] arity, boolean[] ordinal, int dimensions, int n, double priorWeight) {
        this.n = n;
        int genes = arity.length;
        this.logKernel = new double[genes][][];
        this.kernel = new double[genes][][];
        this.logRowMax = new double[genes][];
        this.cumulative = new double[genes][][];
        for (int g = 0; g < genes; g++) {
            int k = arity[g];
            double[][] p = ordinal[g] ? ordinal(k, priorWeight, dimensions) : categorical(k, priorWeight);
            logKernel[g] = new double[k][k + 1];
            kernel[g] = new double[k][k + 1];
            logRowMax[g] = new double[k];
            cumulative[g] = new double[k + 1][];
            for (int b = 0; b <= k; b++) {
                cumulative[g][b] = new double[k];
                double sum = 0;
                for (int v = 0; v < k; v++) {
                    logKernel[g][v][b] = Math.log(p[b][v]);
                    sum += p[b][v];
                    cumulative[g][b][v] = sum;
                }
            }
            for (int v = 0; v < k; v++) {
                double max = 0;
                for (int b = 0; b <= k; b++) {
                    max = Math.max(max, p[b][v]);
                }
                logRowMax[g][v] = Math.log(max);
                for (int b = 0; b <= k; b++) {
                    kernel[g][v][b] = p[b][v] / max;
                }
            }
        }
    }

    /** Rows [observed value][value] (row {@code k}: inactive, uniform) of a categorical gene's kernel. */
    private double[][] categorical(int k, double priorWeight) {
        double[][] p = new double[k + 1][k];
        double eps = priorWeight / (n + 1);
        for (int b = 0; b < k; b++) {
            for (int v = 0; v < k; v++) {
                p[b][v] = ((v == b ? 1 : 0) + eps) / (1 + k * eps);
            }
        }
        Arrays.fill(p[k], 1.0 / k);
        return p;
    }

    /** Rows of an ordered gene's kernel: the categorical kernel's keep probability, the rest by distance. */
    private double[][] ordinal(int k, double priorWeight, int dimensions) {
        double[][] p = categorical(k, priorWeight);
        double sigma = Math.max(1, 0.2 * k * Math.pow(Math.max(n, 1), -1.0 / (dimensions + 4)));
        for (int b = 0; b < k; b++) {
            double keep = p[b][b];
            double sum = 0;
            for (int v = 0; v < k; v++) {
                p[b][v] = v == b ? 0 : Math.exp(-(v - b) * (v - b) / (2 * sigma * sigma));
                sum += p[b][v];
            }
            for (int v = 0; v < k; v++) {
                p[b][v] = v == b ? keep : (1 - keep) * p[b][v] / sum;
            }
        }
        return p;
    }
}
