package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Residual;
import org.junit.jupiter.api.Test;

class PruningTest {

    static float[] ramp(int n, float scale) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = scale * (i + 1) * (i % 2 == 0 ? 1 : -1);
        }
        return w;
    }

    static Norm norm(int c) {
        return new Norm(c, ramp(c, 1), ramp(c, 0.1f), ramp(c, 0.01f), ramp(c, 1));
    }

    /** conv 1→4, BN, relu, residual(conv 4→4, BN, relu | identity), residual(conv 4→6 | projection 4→6), pool, flatten, dense, classifier. */
    static NetworkPlan plan() {
        Conv c0 = new Conv(1, 4, 3, 1, false, ramp(36, 0.01f), null);
        Residual identity = new Residual(List.of(new Conv(4, 4, 3, 1, false, ramp(144, 0.01f), null), norm(4), new NetworkPlan.Relu()), List.of());
        Residual projected = new Residual(List.of(new Conv(4, 6, 3, 1, false, ramp(216, 0.01f), null), norm(6), new NetworkPlan.Relu()),
                List.of(new Conv(4, 6, 1, 1, false, ramp(24, -0.01f), null)));
        return new NetworkPlan(new long[] {1, 4, 4}, 3, List.of(c0, norm(4), new NetworkPlan.Relu(), identity, projected,
                new NetworkPlan.Pool(true), new NetworkPlan.Flatten(), new Dense(24, 8, true, ramp(192, 0.01f), ramp(8, 1)),
                new NetworkPlan.Relu(), new Dense(8, 3, true, ramp(24, 0.01f), ramp(3, 1))));
    }

    @Test
    void l1FilterPruningRebuildsEveryLayerThatReadsThePrunedChannels() {
        NetworkPlan pruned = L1FilterPruner.prune(plan(), 0.5).plan();
        List<Layer> l = pruned.layers();
        Conv c0 = (Conv) l.get(0);
        assertThat(c0.out()).isEqualTo(2);
        // ramp weights grow with the index, so the last filters have the largest L1 norm: filters 2 and 3 stay
        assertThat(c0.weight()).containsExactly(java.util.Arrays.copyOfRange(ramp(36, 0.01f), 18, 36));
        assertThat(((Norm) l.get(1)).channels()).isEqualTo(2);
        assertThat(((Norm) l.get(1)).gamma()).containsExactly(3f, -4f);
        Residual identity = (Residual) l.get(3);
        Conv body = (Conv) identity.body().get(0);
        assertThat(body.in()).isEqualTo(2);
        assertThat(body.out()).as("identity shortcut: the body keeps the input's channels").isEqualTo(2);
        Residual projected = (Residual) l.get(4);
        assertThat(((Conv) projected.body().get(0)).out()).isEqualTo(3);
        assertThat(((Conv) projected.shortcut().get(0)).out()).isEqualTo(3);
        assertThat(((Conv) projected.shortcut().get(0)).in()).isEqualTo(2);
        assertThat(((Norm) projected.body().get(1)).channels()).isEqualTo(3);
        Dense hidden = (Dense) l.get(7);
        assertThat(hidden.in()).as("3 channels × 2×2 after pooling").isEqualTo(12);
        assertThat(hidden.out()).isEqualTo(4);
        Dense classifier = (Dense) l.get(9);
        assertThat(classifier.in()).isEqualTo(4);
        assertThat(classifier.out()).isEqualTo(3);
        assertThat(pruned.hasWeights()).isTrue();
    }

    @Test
    void magnitudePruningPerLayerZeroesExactlyTheSmallestFraction() {
        NetworkPlan pruned = MagnitudePruner.prune(plan(), 0.6, false);
        pruned.forEachWeighted((path, layer) -> {
            float[] w = NetworkPlan.weightOf(layer);
            if (w == null) {
                return;
            }
            long zeros = 0;
            for (float v : w) {
                zeros += v == 0 ? 1 : 0;
            }
            assertThat(zeros).as(path).isEqualTo((long) Math.floor(0.6 * w.length));
            boolean[] mask = NetworkPlan.maskOf(layer);
            for (int i = 0; i < w.length; i++) {
                assertThat(mask[i]).isEqualTo(w[i] != 0);
            }
        });
        assertThat(MagnitudePruner.overallSparsity(pruned)).isCloseTo(0.6, within(0.01));
    }

    @Test
    void globalScopeRanksAllLayersTogether() {
        NetworkPlan pruned = MagnitudePruner.prune(plan(), 0.5, true);
        assertThat(MagnitudePruner.overallSparsity(pruned)).isCloseTo(0.5, within(1e-9));
        // the first conv's weights (0.01…0.36) are among the smallest overall, so it loses more than half
        Conv c0 = (Conv) pruned.layers().get(0);
        assertThat(MagnitudePruner.sparsity(pruned).get(0).sparsity()).isGreaterThan(0.5);
        assertThat(c0.mask()).isNotNull();
    }

    @Test
    void agpFollowsTheCubicScheduleAndPrunedWeightsStayPruned() {
        assertThat(MagnitudePruner.agpSparsity(0.8, 0, 100)).isZero();
        assertThat(MagnitudePruner.agpSparsity(0.8, 50, 100)).isCloseTo(0.8 * (1 - 0.125), within(1e-12));
        assertThat(MagnitudePruner.agpSparsity(0.8, 100, 100)).isEqualTo(0.8);
        NetworkPlan first = MagnitudePruner.prune(plan(), 0.3, false);
        NetworkPlan second = MagnitudePruner.prune(first, 0.6, false);
        Conv a = (Conv) first.layers().get(0);
        Conv b = (Conv) second.layers().get(0);
        for (int i = 0; i < a.mask().length; i++) {
            if (!a.mask()[i]) {
                assertThat(b.mask()[i]).isFalse();
            }
        }
    }
}
