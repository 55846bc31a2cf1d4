package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.worker.model.MacCounter;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.PlanBlocks;

/**
 * Physical head removal on a whole network: the pruned network computes what the original computes with the removed
 * heads masked to zero, and its weights and MACs drop by exactly the removed heads' share.
 */
class HeadPrunerTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);
    // 2 encoder layers of width 32, 4 heads of 8, MLP 64, on 16 patches of 7×7 (17 tokens with the class token)
    final TransformerArchitecture vit = new TransformerArchitecture(2, 32, 4, 2.0, 7, NormPlacement.PRE, TokenPooling.CLS,
            0.0, new HeadSpec(0, 0.0));

    NetworkPlan trained(NDManager manager) {
        PlanBlocks.Built built = PlanBlocks.build(builder.plan(vit));
        built.block().initialize(manager, DataType.FLOAT32, builder.inputShape(1));
        return PlanBlocks.capture(built);
    }

    static float[] logits(NetworkPlan plan, NDManager manager, NDArray x, NDList masks) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        PlanBlocks.initializeAndLoad(built, manager);
        PlanBlocks.headMasks(built, masks);
        return built.block().forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow().toFloatArray();
    }

    static long macs(NetworkPlan plan, NDManager manager, ModelBuilder builder) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        PlanBlocks.initializeAndLoad(built, manager);
        return MacCounter.count(built.block(), builder.inputShape(1));
    }

    @Test
    void thePrunedNetworkEqualsTheMaskedOriginalAndShrinksAsComputed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NetworkPlan plan = trained(manager);
            // layer 0 keeps heads 1 and 3 (the most important), layer 1 keeps 0 and 2
            double[][] importance = {{0.1, 0.7, 0.2, 0.68}, {0.9, 0.1, 0.4, 0.0}};
            HeadPruner.Result r = HeadPruner.prune(plan, importance, 0.5, false);
            Encoder first = (Encoder) r.plan().layers().get(3);
            Encoder second = (Encoder) r.plan().layers().get(4);
            assertThat(first.heads()).isEqualTo(2);
            assertThat(first.query().out()).isEqualTo(16);
            assertThat(first.output().in()).isEqualTo(16);
            assertThat(first.fc1()).isSameAs(((Encoder) plan.layers().get(3)).fc1());
            assertThat(r.changes()).extracting(c -> c.layer() + ": " + c.from() + " → " + c.to()).containsExactly(
                    "layers[3]: encoder(32, 4×8 heads, mlp 64, pre-norm) → encoder(32, 2×8 heads, mlp 64, pre-norm)",
                    "layers[4]: encoder(32, 4×8 heads, mlp 64, pre-norm) → encoder(32, 2×8 heads, mlp 64, pre-norm)");

            NDArray x = manager.randomNormal(builder.inputShape(5));
            NDList masks = new NDList(manager.create(new float[] {0, 1, 0, 1}), manager.create(new float[] {1, 0, 1, 0}));
            float[] masked = logits(plan, manager, x, masks);
            float[] pruned = logits(r.plan(), manager, x, null);
            for (int i = 0; i < masked.length; i++) {
                assertThat(Math.abs(pruned[i] - masked[i])).as("logit %d", i).isLessThan(1e-4f);
            }
            assertThat(logits(plan, manager, x, null)).as("the mask matters").isNotEqualTo(masked);

            // each removed head of 8: q, k, v rows 3·(8·32 + 8), output columns 32·8; 4 heads removed in all
            assertThat(parameters(plan) - parameters(r.plan())).isEqualTo(4L * (3 * (8 * 32 + 8) + 32 * 8));
            // per removed head on 17 tokens: projections 4·17·32·8 = 17,408; QKᵀ and AV 2·17·17·8 = 4,624
            assertThat(macs(plan, manager, builder) - macs(r.plan(), manager, builder)).isEqualTo(4L * (17_408 + 4_624));
        }
    }

    static long parameters(NetworkPlan plan) {
        long[] n = {0};
        plan.forEachWeighted((path, layer) -> {
            if (layer instanceof NetworkPlan.Weighted w) {
                n[0] += w.weight().length + (w.hasBias() ? w.bias().length : 0);
            } else if (layer instanceof NetworkPlan.Stateful s) {
                s.values().forEach(v -> n[0] += v.length);
            }
        });
        return n[0];
    }

    @Test
    void globalScopeRanksAllHeadsTogetherAndKeepsOnePerLayer() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NetworkPlan plan = trained(manager);
            // the 4 least important heads overall are 3 of layer 1 and head 0 of layer 0
            double[][] importance = {{0.05, 0.7, 0.6, 0.5}, {0.01, 0.02, 0.03, 0.9}};
            HeadPruner.Result r = HeadPruner.prune(plan, importance, 0.5, true);
            assertThat(((Encoder) r.plan().layers().get(3)).heads()).isEqualTo(3);
            assertThat(((Encoder) r.plan().layers().get(4)).heads()).isEqualTo(1);
            // removing 7 of 8 heads still leaves one in each layer
            HeadPruner.Result most = HeadPruner.prune(plan, importance, 0.9, true);
            assertThat(((Encoder) most.plan().layers().get(3)).heads()).isEqualTo(1);
            assertThat(((Encoder) most.plan().layers().get(4)).heads()).isEqualTo(1);
        }
    }

    @Test
    void aRatioRemovesItsFloorOfEachLayersHeadsAndACountThatManyWithTheSameRanking() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NetworkPlan plan = trained(manager);
            double[][] importance = {{0.4, 0.1, 0.3, 0.2}, {0.1, 0.15, 0.3, 0.4}};
            // floor(0.6 × 4) = 2 heads go from each layer: the same plan as a count of 2
            HeadPruner.Result byRatio = HeadPruner.prune(plan, importance, 0.6, false);
            HeadPruner.Result byCount = HeadPruner.pruneCount(plan, importance, 2, false);
            assertThat(byCount.changes()).isEqualTo(byRatio.changes());
            assertThat(((Encoder) byCount.plan().layers().get(3)).query().weight())
                    .isEqualTo(((Encoder) byRatio.plan().layers().get(3)).query().weight());
            assertThat(((Encoder) byCount.plan().layers().get(3)).heads()).isEqualTo(2);
            // heads 0 and 2 of layer 0 stay: its query rows are those of heads 0 and 2 (8 rows of 32 inputs each)
            float[] q = ((Encoder) plan.layers().get(3)).query().weight();
            float[] kept = ((Encoder) byCount.plan().layers().get(3)).query().weight();
            assertThat(java.util.Arrays.copyOfRange(kept, 0, 256)).isEqualTo(java.util.Arrays.copyOfRange(q, 0, 256));
            assertThat(java.util.Arrays.copyOfRange(kept, 256, 512)).isEqualTo(java.util.Arrays.copyOfRange(q, 512, 768));
            // a count of all heads or more leaves one per layer, the most important
            HeadPruner.Result all = HeadPruner.pruneCount(plan, importance, 9, false);
            assertThat(((Encoder) all.plan().layers().get(3)).heads()).isEqualTo(1);
            assertThat(((Encoder) all.plan().layers().get(4)).heads()).isEqualTo(1);
            // global: 3 heads in all, the least important overall (0.1 in both layers, then layer 1's 0.15)
            HeadPruner.Result global = HeadPruner.pruneCount(plan, importance, 3, true);
            assertThat(((Encoder) global.plan().layers().get(3)).heads()).isEqualTo(3);
            assertThat(((Encoder) global.plan().layers().get(4)).heads()).isEqualTo(2);
            assertThatThrownBy(() -> HeadPruner.pruneCount(plan, importance, 0, false)).hasMessage("count must be at least 1: 0");
            assertThatThrownBy(() -> HeadPruner.prune(plan, importance, 1.5, false)).hasMessage("ratio must be in [0, 1]: 1.5");
        }
    }

    @Test
    void aPlanWithoutEncodersOrWithMismatchedImportancesIsRefused() {
        NetworkPlan mlp = builder.plan(new MlpArchitecture(List.of(16), null));
        assertThatThrownBy(() -> HeadPruner.prune(mlp, new double[0][], 0.5, false))
                .hasMessageStartingWith("compression.pruning.method: heads prunes attention heads, and this model has no encoder layer");
        try (NDManager manager = NDManager.newBaseManager()) {
            NetworkPlan plan = trained(manager);
            assertThatThrownBy(() -> HeadPruner.prune(plan, new double[][] {{1, 1, 1, 1}}, 0.5, false))
                    .hasMessage("importances for 1 layers, but the plan has 2");
            assertThatThrownBy(() -> HeadPruner.prune(plan, new double[][] {{1, 1, 1}, {1, 1, 1, 1}}, 0.5, false))
                    .hasMessage("layers[3]: 3 importances for 4 heads");
        }
    }
}
