package org.naspipeline.strategy.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * A Kauffman NK landscape over the decisions of a search space: each decision's contribution depends on its
 * own value and the values of the next K decisions (circularly), drawn uniformly from [0, 1) per combination.
 * Fitness is the mean contribution. K > 0 makes choices interact, as layer choices do in real networks.
 * Decisions with a single value are ignored. Used only by benchmarks and tests, never by the pipeline.
 */
public final class NkLandscape {
    private final SpaceEncoding encoding;
    private final int[] genes;
    private final int k;
    private final double[][] tables;

    /** A landscape of interaction order {@code k}, generated from {@code seed}. */
    public NkLandscape(SpaceEncoding encoding, int k, long seed) {
        this.encoding = encoding;
        this.genes = java.util.stream.IntStream.range(0, encoding.genes()).filter(g -> encoding.arity(g) > 1).toArray();
        this.k = Math.min(k, genes.length - 1);
        SplittableRandom rnd = new SplittableRandom(seed);
        this.tables = new double[genes.length][];
        for (int i = 0; i < genes.length; i++) {
            int size = 1;
            for (int j = 0; j <= this.k; j++) {
                size *= encoding.arity(genes[(i + j) % genes.length]);
            }
            tables[i] = new double[size];
            for (int t = 0; t < size; t++) {
                tables[i][t] = rnd.nextDouble();
            }
        }
    }

    /** Fitness of a gene vector, in [0, 1). */
    public double fitness(int[] x) {
        double sum = 0;
        for (int i = 0; i < genes.length; i++) {
            int index = 0;
            for (int j = 0; j <= k; j++) {
                int g = genes[(i + j) % genes.length];
                index = index * encoding.arity(g) + x[g];
            }
            sum += tables[i][index];
        }
        return sum / genes.length;
    }

    /**
     * The fitness a candidate must reach to be in the top {@code fraction} of the whole space, found by
     * evaluating every candidate (the space must have all decisions always active, e.g. a fixed stage count).
     */
    public double topThreshold(double fraction) {
        long total = 1;
        for (int g : genes) {
            total *= encoding.arity(g);
        }
        if (total > 20_000_000L) {
            throw new IllegalArgumentException("space of " + total + " candidates is too large to enumerate");
        }
        float[] all = new float[(int) total];
        int[] x = new int[encoding.genes()];
        for (int n = 0; n < total; n++) {
            all[n] = (float) fitness(x);
            for (int i = genes.length - 1; i >= 0; i--) { // odometer over the varying decisions
                if (++x[genes[i]] < encoding.arity(genes[i])) {
                    break;
                }
                x[genes[i]] = 0;
            }
        }
        Arrays.sort(all);
        int top = (int) Math.ceil(fraction * total);
        return all[all.length - top];
    }
}
