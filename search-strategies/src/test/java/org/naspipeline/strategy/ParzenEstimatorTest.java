package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.naspipeline.strategy.bench.StrategyBenchmark;
import org.naspipeline.strategy.space.SpaceEncoding;

/** The Parzen density TPE is built on: a true distribution over canonical vectors, sampled as it is scored. */
class ParzenEstimatorTest {
    /**
     * TINY: 1–2 hidden layers of {16, 32} units and dropout {0, 0.2, 0.4}: 18 candidates; genes: layers, two widths
     * (the second active only with two layers), dense units, dropout, four one-valued compression genes.
     */
    static final SpaceEncoding TINY = new SpaceEncoding(StrategyContractTest.TINY);

    static List<int[]> all(SpaceEncoding e) {
        List<int[]> out = new ArrayList<>();
        Map<Long, int[]> seen = new HashMap<>();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            int[] x = e.sample(rnd);
            seen.putIfAbsent(e.key(x), x);
        }
        out.addAll(seen.values());
        return out;
    }

    static int[] arity(SpaceEncoding e) {
        int[] a = new int[e.genes()];
        for (int g = 0; g < a.length; g++) {
            a[g] = e.arity(g);
        }
        return a;
    }

    static int[] active(SpaceEncoding e, int[] x) {
        return java.util.stream.IntStream.range(0, x.length).filter(g -> e.arity(g) > 1 && e.isActive(x, g)).toArray();
    }

    static ParzenEstimator estimator(boolean multivariate) {
        // coded observations: inactive genes are −1 (a one-layer network has no second width)
        List<int[]> observations = List.of(new int[] {0, 1, -1, 0, 2, 0, 0, 0, 0}, new int[] {1, 0, 1, 0, 1, 0, 0, 0, 0},
                new int[] {0, 0, -1, 0, 0, 0, 0, 0, 0});
        return ParzenEstimator.of(arity(TINY), new ParzenKernels(arity(TINY), GeneKinds.ordinal(TINY), 4, 3, 0.5),
                observations, 0.5, multivariate);
    }

    @Test
    void theDensityIsADistributionOverCanonicalCandidates() {
        List<int[]> candidates = all(TINY);
        assertThat(candidates).hasSize(18);
        for (boolean multivariate : new boolean[] {true, false}) {
            ParzenEstimator p = estimator(multivariate);
            double total = 0;
            for (int[] x : candidates) {
                total += Math.exp(p.logDensity(x, active(TINY, x)));
            }
            assertThat(total).as("multivariate %s", multivariate).isCloseTo(1.0, within(1e-9));
        }
    }

    @Test
    void flaggedRowsAndSeveralBlocksGiveTheSameDensityAsTheIncludedRowsAlone() {
        int[] arity = arity(TINY);
        ParzenKernels kernels = new ParzenKernels(arity, GeneKinds.ordinal(TINY), 4, 3, 0.5);
        // rows 0 and 2 of the first block are left out; the second block holds the third observation
        int[][] first = {{1, 0, 0, 1}, {0, 1, 1, 0}, {2, 2, 1, 1}, {0, 0, 0, 0}, {1, 2, 0, 1}, {0, 0, 0, 0},
            {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
        int[][] second = {{0}, {0}, {2}, {0}, {0}, {0}, {0}, {0}, {0}};
        ParzenEstimator blocks = new ParzenEstimator(arity, kernels, List.of(
                new ParzenEstimator.Block(first, 4, new boolean[] {true, false, true, false}),
                new ParzenEstimator.Block(second, 1, null)), 0.5, true);
        ParzenEstimator plain = ParzenEstimator.of(arity, kernels, List.of(new int[] {0, 1, -1, 0, 2, 0, 0, 0, 0},
                new int[] {1, 0, 1, 0, 1, 0, 0, 0, 0}, new int[] {0, 0, -1, 0, 0, 0, 0, 0, 0}), 0.5, true);
        for (int[] x : all(TINY)) {
            assertThat(blocks.logDensity(x, active(TINY, x))).isCloseTo(plain.logDensity(x, active(TINY, x)), within(1e-12));
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new ParzenEstimator(arity, kernels,
                List.of(new ParzenEstimator.Block(first, 4, null)), 0.5, true)))
                .hasMessage("kernels for 3 observations, got 4");
    }

    @Test
    void samplesFollowTheDensity() {
        for (boolean multivariate : new boolean[] {true, false}) {
            ParzenEstimator p = estimator(multivariate);
            SplittableRandom rnd = new SplittableRandom(3);
            Map<Long, Integer> counts = new HashMap<>();
            int draws = 200_000;
            for (int i = 0; i < draws; i++) {
                counts.merge(TINY.key(TINY.canonical(p.sample(rnd))), 1, Integer::sum);
            }
            for (int[] x : all(TINY)) {
                double expected = Math.exp(p.logDensity(x, active(TINY, x)));
                assertThat(counts.getOrDefault(TINY.key(x), 0) / (double) draws)
                        .as("frequency of %s, multivariate %s", java.util.Arrays.toString(x), multivariate)
                        .isCloseTo(expected, within(0.005));
            }
        }
    }

    @Test
    void theObservedCandidateIsTheMostLikelyAndNeighboursOfAnOrderedGeneComeNext() {
        ParzenEstimator p = ParzenEstimator.of(arity(TINY), new ParzenKernels(arity(TINY), GeneKinds.ordinal(TINY), 4, 1, 0.5),
                List.<int[]>of(new int[] {0, 1, -1, 0, 0, 0, 0, 0, 0}), 0.5, true);
        double at0 = p.logDensity(new int[] {0, 1, 0, 0, 0, 0, 0, 0, 0}, new int[] {0, 1, 4});
        double at1 = p.logDensity(new int[] {0, 1, 0, 0, 1, 0, 0, 0, 0}, new int[] {0, 1, 4});
        double at2 = p.logDensity(new int[] {0, 1, 0, 0, 2, 0, 0, 0, 0}, new int[] {0, 1, 4});
        assertThat(at0).isGreaterThan(at1);
        assertThat(at1).as("dropout 0.2 is nearer 0 than 0.4 is").isGreaterThan(at2);
    }

    @Test
    void orderedGenesAreCountsAndMonotoneNumbersOnly() {
        SpaceEncoding nas = new SpaceEncoding(StrategyBenchmark.nasLikeSpace());
        boolean[] ordinal = GeneKinds.ordinal(nas);
        List<String> ordered = new ArrayList<>();
        for (int g = 0; g < ordinal.length; g++) {
            if (ordinal[g]) {
                ordered.add(nas.name(g));
            }
        }
        // filters {16, 32, 64} and dense units {0, 64, 128}; two-valued genes gain nothing from an order
        assertThat(ordered).containsExactly("stage[0].filters", "stage[1].filters", "stage[2].filters", "head.denseUnits");
        SpaceEncoding zdt = new SpaceEncoding(StrategyBenchmark.zdtSpace());
        boolean[] z = GeneKinds.ordinal(zdt);
        for (int g = 0; g < z.length; g++) {
            assertThat(z[g]).as(zdt.name(g)).isEqualTo(zdt.name(g).startsWith("parameters.x"));
        }
        assertThat(org.naspipeline.strategy.space.Choices.monotone(List.of(64, 32, 16))).isTrue();
        assertThat(org.naspipeline.strategy.space.Choices.monotone(List.of(16, 64, 32))).isFalse();
        assertThat(org.naspipeline.strategy.space.Choices.monotone(List.of(16, 16))).isFalse();
    }
}
