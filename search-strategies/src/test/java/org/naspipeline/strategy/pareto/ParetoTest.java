package org.naspipeline.strategy.pareto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParetoTest {

    @Test
    void twoDimensionalHypervolumeMatchesAHandComputedStaircase() {
        // staircase (1,3) (2,2) (3,1) against (4,4): strips 1×1 + 1×2 + 1×3 ... = (2-1)(4-3) + (3-2)(4-2) + (4-3)(4-1) = 1+2+3
        List<double[]> pts = List.of(new double[] {1, 3}, new double[] {2, 2}, new double[] {3, 1},
                new double[] {3, 3}, new double[] {5, 0}); // (3,3) dominated, (5,0) outside the reference box
        assertThat(Hypervolume.of(pts, new double[] {4, 4})).isEqualTo(6.0);
        assertThat(Hypervolume.of(List.of(), new double[] {4, 4})).isZero();
    }

    @Test
    void threeDimensionalHypervolumeMatchesInclusionExclusion() {
        // boxes [1,2]^3-to-ref: a=(0,0,1): 2×2×1=4, b=(1,1,0): 1×1×2=2, overlap: x∈[1,2], y∈[1,2], z∈[1,2] = 1 → 5
        List<double[]> pts = List.of(new double[] {0, 0, 1}, new double[] {1, 1, 0});
        assertThat(Hypervolume.of(pts, new double[] {2, 2, 2})).isEqualTo(5.0);
    }

    @Test
    void threeDimensionalHypervolumeAgreesWithMonteCarlo() {
        SplittableRandom rnd = new SplittableRandom(4);
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            pts.add(new double[] {rnd.nextDouble(), rnd.nextDouble(), rnd.nextDouble()});
        }
        double exact = Hypervolume.of(pts, new double[] {1, 1, 1});
        int hits = 0;
        int n = 400_000;
        for (int i = 0; i < n; i++) {
            double[] q = {rnd.nextDouble(), rnd.nextDouble(), rnd.nextDouble()};
            for (double[] p : pts) {
                if (p[0] <= q[0] && p[1] <= q[1] && p[2] <= q[2]) {
                    hits++;
                    break;
                }
            }
        }
        assertThat(exact).isCloseTo((double) hits / n, within(0.005));
    }

    @Test
    void theFrontKeepsOnlyNonDominatedPointsAsTheyArrive() {
        ParetoFront<String> front = new ParetoFront<>();
        assertThat(front.add(new double[] {2, 2}, "a")).isTrue();
        assertThat(front.add(new double[] {3, 3}, "dominated")).isFalse();
        assertThat(front.add(new double[] {1, 3}, "b")).isTrue();
        assertThat(front.add(new double[] {2, 2}, "equal")).isFalse();
        assertThat(front.add(new double[] {1, 1}, "c")).isTrue(); // dominates a and b
        assertThat(front.entries()).extracting(ParetoFront.Entry::label).containsExactly("c");
    }

    @Test
    void bestSoFarTracksEachObjectiveSeparately() {
        BestSoFar<String> best = new BestSoFar<>(2);
        assertThat(best.offer(new double[] {-0.8, 3.0}, "a")).containsExactly(0, 1);
        assertThat(best.offer(new double[] {-0.9, 4.0}, "b")).containsExactly(0);
        assertThat(best.offer(new double[] {-0.5, 5.0}, "c")).isEmpty();
        assertThat(best.best(0)).isEqualTo(-0.9);
        assertThat(best.label(0)).isEqualTo("b");
        assertThat(best.label(1)).isEqualTo("a");
    }

    @Test
    void constrainedDominancePrefersFeasibilityThenSmallerViolation() {
        double[] good = {0, 0};
        double[] bad = {5, 5};
        assertThat(Dominance.constrainedDominates(bad, 0, good, 0.1)).isTrue();
        assertThat(Dominance.constrainedDominates(good, 0.5, bad, 0.2)).isFalse();
        assertThat(Dominance.constrainedDominates(bad, 0.2, good, 0.5)).isTrue();
        assertThat(Dominance.constrainedDominates(good, 0, bad, 0)).isTrue();
    }

    @Test
    void nonDominatedSortingRanksFrontsAndCrowdsTheirEnds() {
        double[][] pts = {{1, 4}, {2, 2}, {4, 1}, {3, 3}, {5, 5}};
        NonDominatedSorting.Ranking r = NonDominatedSorting.rank(pts, new double[5]);
        assertThat(r.rank()).containsExactly(0, 0, 0, 1, 2);
        assertThat(r.crowding()[0]).isInfinite();
        assertThat(r.crowding()[2]).isInfinite();
        // middle of the first front: (4-1)/(4-1) + (4-1)/(4-1) = 2
        assertThat(r.crowding()[1]).isEqualTo(2.0);
    }
}
