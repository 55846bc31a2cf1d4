package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.junit.jupiter.api.Test;

class LowRankTest {

    static float[] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return w;
    }

    @Test
    void svdReconstructsTheMatrixAndOrdersSingularValues() {
        for (int[] mn : new int[][] {{7, 4}, {4, 9}, {12, 12}}) {
            int m = mn[0];
            int n = mn[1];
            float[] w = random(m * n, m * 31L + n);
            LowRank.Factors full = LowRank.factors(w, m, n, Math.min(m, n));
            assertThat(full.relativeError()).isLessThan(1e-6);
            double[] a = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                a[i] = w[i];
            }
            Svd.Result svd = Svd.of(a, m, n);
            for (int r = 1; r < svd.k(); r++) {
                assertThat(svd.s()[r]).isLessThanOrEqualTo(svd.s()[r - 1]);
            }
        }
    }

    @Test
    void aRankOneMatrixIsRecoveredExactlyAtRankOne() {
        float[] u = {1, 2, -1};
        float[] v = {0.5f, -2, 3, 1};
        float[] w = new float[12];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                w[i * 4 + j] = u[i] * v[j];
            }
        }
        assertThat(LowRank.factors(w, 3, 4, 1).relativeError()).isLessThan(1e-6);
    }

    @Test
    void denseAndConvLayersBecomeTwoSmallerLayersAndTheClassifierStays() {
        Dense hidden = new Dense(100, 40, true, random(4000, 1), random(40, 2));
        Dense classifier = new Dense(40, 10, true, random(400, 3), random(10, 4));
        Conv conv = new Conv(8, 16, 3, 1, false, random(16 * 8 * 9, 5), null);
        NetworkPlan plan = new NetworkPlan(new long[] {8, 5, 2}, 10, List.of(conv, new NetworkPlan.Flatten(), hidden, classifier));
        LowRank.Result r = LowRank.factorize(plan, 0.25, false);
        assertThat(LowRank.factorize(plan, 0.25, true).plan().layers().get(0)).as("dense only").isSameAs(conv);
        assertThat(r.plan().layers()).hasSize(6);
        Conv c1 = (Conv) r.plan().layers().get(0);
        Conv c2 = (Conv) r.plan().layers().get(1);
        assertThat(c1.kernel()).isEqualTo(3);
        assertThat(c1.out()).isEqualTo(4); // round(0.25 · min(16, 72))
        assertThat(c2.kernel()).isEqualTo(1);
        assertThat(c2.out()).isEqualTo(16);
        Dense d1 = (Dense) r.plan().layers().get(3);
        Dense d2 = (Dense) r.plan().layers().get(4);
        assertThat(d1.out()).isEqualTo(10); // round(0.25 · min(40, 100))
        assertThat(d1.hasBias()).isFalse();
        assertThat(d2.bias()).isSameAs(hidden.bias());
        assertThat(r.plan().layers().get(5)).isSameAs(classifier);
        assertThat((long) d1.weight().length + d2.weight().length).isLessThanOrEqualTo(hidden.weight().length / 2);
        assertThat(r.changes()).hasSize(2).allSatisfy(ch -> assertThat(ch.reconstructionError()).isBetween(0.0, 1.0));
        // the factors multiply back to the rank-10 approximation whose error is reported
        double err = 0;
        double norm = 0;
        for (int i = 0; i < 40; i++) {
            for (int j = 0; j < 100; j++) {
                double approx = 0;
                for (int k = 0; k < 10; k++) {
                    approx += d2.weight()[i * 10 + k] * d1.weight()[k * 100 + j];
                }
                double wij = hidden.weight()[i * 100 + j];
                err += (wij - approx) * (wij - approx);
                norm += wij * wij;
            }
        }
        assertThat(r.changes().get(1).reconstructionError()).isCloseTo(Math.sqrt(err / norm), within(1e-5));
    }
}
