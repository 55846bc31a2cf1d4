package org.naspipeline.strategy;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A Parzen density over gene vectors, the building block of TPE: a mixture of one kernel per observation
 * plus a uniform prior component of weight {@code priorWeight}; the kernels are {@link ParzenKernels}.
 *
 * <p>Multivariate: the kernel of an observation is the product of its genes' kernels (one joint mixture), so
 * combinations that worked together are proposed together. Univariate: each gene has its own mixture.
 * Observations are coded with −1 for inactive genes. Build cost O(n · genes), or O(n · Σ arity) univariate;
 * one density evaluation O(n · active genes), or O(active genes) univariate.
 */
final class ParzenEstimator {
    private final int[] arity;
    private final boolean multivariate;
    private final int n;
    /** Gene-major observations, inactive coded as {@code arity[g]} (the uniform column of the kernel table). */
    private final int[][] columns;
    private final double logObservationWeight;
    private final double logPriorWeight;
    private final double priorShare;
    private final double[][][] logKernel;
    private final double[][][] kernel;
    private final double[][] logRowMax;
    private final double[][][] cumulative;
    private final double[][] logMarginal;
    private final double[][] cumulativeMarginal;
    private double[] scratch = new double[0];

    ParzenEstimator(int[] arity, ParzenKernels kernels, List<int[]> coded, double priorWeight, boolean multivariate) {
        this.arity = arity;
        this.multivariate = multivariate;
        this.n = coded.size();
        if (kernels.n != n) {
            throw new IllegalArgumentException("kernels for " + kernels.n + " observations, got " + n);
        }
        this.columns = new int[arity.length][n];
        for (int i = 0; i < n; i++) {
            int[] c = coded.get(i);
            for (int g = 0; g < arity.length; g++) {
                columns[g][i] = c[g] < 0 ? arity[g] : c[g];
            }
        }
        double total = n + priorWeight;
        this.logObservationWeight = Math.log(1 / total);
        this.logPriorWeight = Math.log(priorWeight / total);
        this.priorShare = priorWeight / total;
        this.logKernel = kernels.logKernel;
        this.kernel = kernels.kernel;
        this.logRowMax = kernels.logRowMax;
        this.cumulative = kernels.cumulative;
        this.logMarginal = multivariate ? null : new double[arity.length][];
        this.cumulativeMarginal = multivariate ? null : new double[arity.length][];
        if (!multivariate) {
            for (int g = 0; g < arity.length; g++) {
                double[] m = new double[arity[g]];
                for (int v = 0; v < m.length; v++) {
                    double sum = priorShare / arity[g];
                    for (int i = 0; i < n; i++) {
                        sum += Math.exp(logKernel[g][v][columns[g][i]]) / total;
                    }
                    m[v] = sum;
                }
                cumulativeMarginal[g] = cumulate(m);
                logMarginal[g] = new double[m.length];
                for (int v = 0; v < m.length; v++) {
                    logMarginal[g][v] = Math.log(m[v]);
                }
            }
        }
    }

    private static double[] cumulate(double[] p) {
        double[] c = new double[p.length];
        double sum = 0;
        for (int v = 0; v < p.length; v++) {
            sum += p[v];
            c[v] = sum;
        }
        return c;
    }

    private static int draw(double[] cumulative, SplittableRandom rnd) {
        double u = rnd.nextDouble() * cumulative[cumulative.length - 1];
        for (int v = 0; v < cumulative.length - 1; v++) {
            if (u < cumulative[v]) {
                return v;
            }
        }
        return cumulative.length - 1;
    }

    /** Draws a gene vector (not yet canonical): a component, then each gene from that component's kernel. */
    int[] sample(SplittableRandom rnd) {
        int[] x = new int[arity.length];
        if (!multivariate) {
            for (int g = 0; g < x.length; g++) {
                x[g] = draw(cumulativeMarginal[g], rnd);
            }
            return x;
        }
        double u = rnd.nextDouble();
        int component = u < priorShare || n == 0 ? -1 : Math.min(n - 1, (int) ((u - priorShare) / (1 - priorShare) * n));
        for (int g = 0; g < x.length; g++) {
            x[g] = component < 0 ? rnd.nextInt(arity[g]) : draw(cumulative[g][columns[g][component]], rnd);
        }
        return x;
    }

    /**
     * Log density of {@code x} over its {@code active} genes. The joint kernels are multiplied in linear space
     * (no exp per observation), each gene's factors divided by their largest value so products stay near 1;
     * the divisors come back as a sum of logs. Only if every product underflows does it redo the sum in logs.
     */
    double logDensity(int[] x, int[] active) {
        if (!multivariate) {
            double sum = 0;
            for (int g : active) {
                sum += logMarginal[g][x[g]];
            }
            return sum;
        }
        double prior = logPriorWeight;
        for (int g : active) {
            prior -= Math.log(arity[g]);
        }
        if (n == 0) {
            return prior;
        }
        if (scratch.length < n) {
            scratch = new double[n];
        }
        double[] product = scratch;
        java.util.Arrays.fill(product, 0, n, 1);
        double scale = 0;
        for (int g : active) {
            double[] row = kernel[g][x[g]];
            scale += logRowMax[g][x[g]];
            int[] column = columns[g];
            for (int i = 0; i < n; i++) {
                product[i] *= row[column[i]];
            }
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += product[i];
        }
        if (sum <= Double.MIN_NORMAL) {
            return logDensityInLogs(x, active, prior);
        }
        double observations = logObservationWeight + scale + Math.log(sum);
        double max = Math.max(prior, observations);
        return max + Math.log(Math.exp(prior - max) + Math.exp(observations - max));
    }

    private double logDensityInLogs(int[] x, int[] active, double prior) {
        double[] acc = scratch;
        java.util.Arrays.fill(acc, 0, n, logObservationWeight);
        for (int g : active) {
            double[] row = logKernel[g][x[g]];
            int[] column = columns[g];
            for (int i = 0; i < n; i++) {
                acc[i] += row[column[i]];
            }
        }
        double max = prior;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, acc[i]);
        }
        double sum = Math.exp(prior - max);
        for (int i = 0; i < n; i++) {
            sum += Math.exp(acc[i] - max);
        }
        return max + Math.log(sum);
    }
}
