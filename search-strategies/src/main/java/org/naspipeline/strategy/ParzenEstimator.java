package org.naspipeline.strategy;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A Parzen density over gene vectors, the building block of TPE: a mixture of one kernel per observation
 * plus a uniform prior component of weight {@code priorWeight}; the kernels are {@link ParzenKernels}.
 *
 * <p>Multivariate: the kernel of an observation is the product of its genes' kernels (one joint mixture), so
 * combinations that worked together are proposed together. Univariate: each gene has its own mixture.
 * Observations come in gene-major {@link Block}s (a column per gene; a gene inactive in an observation holds
 * {@code arity}), so TPE can hand over its window of recent results as it keeps it, without copying, and
 * leave out the good ones by a flag. One density evaluation costs O(n · active genes), or O(active genes)
 * univariate.
 */
final class ParzenEstimator {
    /** Observations by gene, the first {@code size} rows used, those flagged in {@code excluded} (if any) left out. */
    record Block(int[][] columns, int size, boolean[] excluded) {
        boolean included(int i) {
            return excluded == null || !excluded[i];
        }
    }

    private final int[] arity;
    private final boolean multivariate;
    private final List<Block> blocks;
    private final int n;
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

    ParzenEstimator(int[] arity, ParzenKernels kernels, List<Block> blocks, double priorWeight, boolean multivariate) {
        this.arity = arity;
        this.multivariate = multivariate;
        this.blocks = List.copyOf(blocks);
        int count = 0;
        for (Block b : blocks) {
            for (int i = 0; i < b.size(); i++) {
                count += b.included(i) ? 1 : 0;
            }
        }
        this.n = count;
        if (kernels.n != n) {
            throw new IllegalArgumentException("kernels for " + kernels.n + " observations, got " + n);
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
                double[] observed = new double[arity[g] + 1];
                for (Block b : blocks) {
                    int[] column = b.columns()[g];
                    for (int i = 0; i < b.size(); i++) {
                        observed[column[i]] += b.included(i) ? 1 : 0;
                    }
                }
                double[] m = new double[arity[g]];
                double sum = 0;
                for (int v = 0; v < m.length; v++) {
                    m[v] = priorShare / arity[g];
                    for (int c = 0; c <= arity[g]; c++) {
                        m[v] += observed[c] * Math.exp(logKernel[g][v][c]) / total;
                    }
                    sum += m[v];
                }
                cumulativeMarginal[g] = new double[m.length];
                logMarginal[g] = new double[m.length];
                double running = 0;
                for (int v = 0; v < m.length; v++) {
                    running += m[v];
                    cumulativeMarginal[g][v] = running;
                    logMarginal[g][v] = Math.log(m[v]);
                }
            }
        }
    }

    /** An estimator over coded observations (−1 for an inactive gene), copied into one block. */
    static ParzenEstimator of(int[] arity, ParzenKernels kernels, List<int[]> coded, double priorWeight,
                              boolean multivariate) {
        int[][] columns = new int[arity.length][coded.size()];
        for (int i = 0; i < coded.size(); i++) {
            int[] c = coded.get(i);
            for (int g = 0; g < arity.length; g++) {
                columns[g][i] = c[g] < 0 ? arity[g] : c[g];
            }
        }
        return new ParzenEstimator(arity, kernels, List.of(new Block(columns, coded.size(), null)), priorWeight, multivariate);
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

    /**
     * Draws a gene vector (not yet canonical): a component, then each gene from that component's kernel.
     * Choosing the component walks the observations, so sample only from small mixtures (TPE's good set).
     */
    int[] sample(SplittableRandom rnd) {
        int[] x = new int[arity.length];
        if (!multivariate) {
            for (int g = 0; g < x.length; g++) {
                x[g] = draw(cumulativeMarginal[g], rnd);
            }
            return x;
        }
        double u = rnd.nextDouble();
        if (u < priorShare || n == 0) {
            for (int g = 0; g < x.length; g++) {
                x[g] = rnd.nextInt(arity[g]);
            }
            return x;
        }
        int component = Math.min(n - 1, (int) ((u - priorShare) / (1 - priorShare) * n));
        for (Block b : blocks) {
            for (int i = 0; i < b.size(); i++) {
                if (b.included(i) && component-- == 0) {
                    for (int g = 0; g < x.length; g++) {
                        x[g] = draw(cumulative[g][b.columns()[g][i]], rnd);
                    }
                    return x;
                }
            }
        }
        throw new IllegalStateException("component beyond the " + n + " observations");
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
        double scale = 0;
        for (int g : active) {
            prior -= Math.log(arity[g]);
            scale += logRowMax[g][x[g]];
        }
        if (n == 0) {
            return prior;
        }
        double sum = 0;
        for (Block b : blocks) {
            double[] product = products(b, x, active, false);
            for (int i = 0; i < b.size(); i++) {
                sum += b.included(i) ? product[i] : 0;
            }
        }
        if (sum <= Double.MIN_NORMAL) {
            return logDensityInLogs(x, active, prior);
        }
        double observations = logObservationWeight + scale + Math.log(sum);
        double max = Math.max(prior, observations);
        return max + Math.log(Math.exp(prior - max) + Math.exp(observations - max));
    }

    /** Per observation of {@code b}: the product of the scaled kernels over the active genes, or the sum of logs. */
    private double[] products(Block b, int[] x, int[] active, boolean logs) {
        if (scratch.length < b.size()) {
            scratch = new double[b.size()];
        }
        double[] p = scratch;
        java.util.Arrays.fill(p, 0, b.size(), logs ? 0 : 1);
        for (int g : active) {
            int[] column = b.columns()[g];
            if (logs) {
                double[] row = logKernel[g][x[g]];
                for (int i = 0; i < b.size(); i++) {
                    p[i] += row[column[i]];
                }
            } else {
                double[] row = kernel[g][x[g]];
                for (int i = 0; i < b.size(); i++) {
                    p[i] *= row[column[i]];
                }
            }
        }
        return p;
    }

    private double logDensityInLogs(int[] x, int[] active, double prior) {
        double max = prior;
        for (Block b : blocks) {
            double[] acc = products(b, x, active, true);
            for (int i = 0; i < b.size(); i++) {
                if (b.included(i)) {
                    max = Math.max(max, acc[i] + logObservationWeight);
                }
            }
        }
        double sum = Math.exp(prior - max);
        for (Block b : blocks) {
            double[] acc = products(b, x, active, true);
            for (int i = 0; i < b.size(); i++) {
                sum += b.included(i) ? Math.exp(acc[i] + logObservationWeight - max) : 0;
            }
        }
        return max + Math.log(sum);
    }
}
