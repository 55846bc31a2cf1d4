package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.StageSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.worker.compress.L1FilterPruner;
import org.naspipeline.worker.compress.LowRank;
import org.naspipeline.worker.compress.MagnitudePruner;
import org.naspipeline.worker.model.MacCounter;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;

/** The per-layer table of a result, built in DJL, checked against hand calculations and against the model's totals. */
class LayerTableTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);

    static TrialMetrics.Layer row(String path, String layer, List<Long> shape, long params, long nonZero, long macs) {
        return new TrialMetrics.Layer(path, layer, shape, params, nonZero, macs);
    }

    /** Builds the plan in DJL (with its weights where it has them), and checks that the rows add up to the totals. */
    List<TrialMetrics.Layer> table(NetworkPlan plan) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        try (NDManager m = NDManager.newBaseManager()) {
            built.block().initialize(m, DataType.FLOAT32, builder.inputShape(1));
            if (plan.hasWeights()) {
                PlanBlocks.load(built);
            }
            List<TrialMetrics.Layer> rows = LayerTable.of(plan, built.block(), builder.inputShape(1));
            long[] params = ModelMeter.parameters(built.block());
            assertThat(rows.stream().mapToLong(TrialMetrics.Layer::params).sum()).isEqualTo(params[0]);
            assertThat(rows.stream().mapToLong(TrialMetrics.Layer::nonZeroParams).sum()).isEqualTo(params[1]);
            assertThat(rows.stream().mapToLong(TrialMetrics.Layer::macs).sum())
                    .isEqualTo(MacCounter.count(built.block(), builder.inputShape(1)));
            return rows;
        }
    }

    /** The plan with the weights of a freshly initialized DJL block. */
    NetworkPlan withWeights(NetworkPlan plan) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        try (NDManager m = NDManager.newBaseManager()) {
            built.block().initialize(m, DataType.FLOAT32, builder.inputShape(1));
            return PlanBlocks.capture(built);
        }
    }

    @Test
    void everyLayerKindWithItsShapeWeightsAndMacs() {
        List<TrialMetrics.Layer> rows = table(builder.plan(new CnnArchitecture(List.of(
                new StageSpec(1, 4, 3, ConvType.PLAIN, false, true, Pooling.MAX),
                new StageSpec(1, 8, 5, ConvType.DEPTHWISE_SEPARABLE, true, true, Pooling.AVG)), new HeadSpec(32, 0.1))));
        // batch norm: gamma, beta, running mean and variance (gamma and the variance start at 1, the others at 0)
        assertThat(rows).containsExactly(
                row("layers[0]", "conv 3×3, 1→4", List.of(4L, 28L, 28L), 36, 36, 4 * 784 * 9),
                row("layers[1]", "batch norm", List.of(4L, 28L, 28L), 16, 8, 0),
                row("layers[2]", "ReLU", List.of(4L, 28L, 28L), 0, 0, 0),
                row("layers[3]", "max pool 2×2", List.of(4L, 14L, 14L), 0, 0, 0),
                row("layers[4].body[0]", "depthwise conv 5×5, 4 channels", List.of(4L, 14L, 14L), 100, 100, 4 * 196 * 25),
                row("layers[4].body[1]", "conv 1×1, 4→8", List.of(8L, 14L, 14L), 32, 32, 8 * 196 * 4),
                row("layers[4].body[2]", "batch norm", List.of(8L, 14L, 14L), 32, 16, 0),
                row("layers[4].body[3]", "ReLU", List.of(8L, 14L, 14L), 0, 0, 0),
                row("layers[4].shortcut[0]", "conv 1×1, 4→8", List.of(8L, 14L, 14L), 32, 32, 8 * 196 * 4),
                row("layers[4]", "residual sum (projection shortcut)", List.of(8L, 14L, 14L), 0, 0, 0),
                row("layers[5]", "average pool 2×2", List.of(8L, 7L, 7L), 0, 0, 0),
                row("layers[6]", "flatten", List.of(392L), 0, 0, 0),
                row("layers[7]", "dense 392→32", List.of(32L), 392 * 32 + 32, 392 * 32, 392 * 32),
                row("layers[8]", "ReLU", List.of(32L), 0, 0, 0),
                row("layers[9]", "dropout 0.1", List.of(32L), 0, 0, 0),
                row("layers[10]", "dense 32→10", List.of(10L), 330, 320, 320));
    }

    @Test
    void anIdentityShortcutAndAnMlp() {
        List<TrialMetrics.Layer> cnn = table(builder.plan(new CnnArchitecture(List.of(
                new StageSpec(2, 4, 3, ConvType.PLAIN, true, false, Pooling.NONE)), new HeadSpec(0, 0))));
        // the first block widens 1→4 channels, so its shortcut is a 1×1 projection; the second's is the identity
        assertThat(cnn).filteredOn(r -> r.layer().startsWith("residual")).extracting(TrialMetrics.Layer::layer)
                .containsExactly("residual sum (projection shortcut)", "residual sum (identity shortcut)");
        assertThat(cnn).extracting(TrialMetrics.Layer::path).contains("layers[0].shortcut[0]").doesNotContain("layers[1].shortcut[0]");
        List<TrialMetrics.Layer> mlp = table(builder.plan(new MlpArchitecture(List.of(100, 50), new HeadSpec(0, 0.25))));
        assertThat(mlp).extracting(TrialMetrics.Layer::layer).containsSubsequence("flatten", "dense 784→100", "ReLU",
                "dense 100→50", "ReLU", "dropout 0.25", "dense 50→10");
        assertThat(mlp.get(mlp.size() - 1).macs()).isEqualTo(500);
    }

    @Test
    void aPrunedFactorizedAndSparseModelShowsItsShrunkLayers() {
        NetworkPlan plan = withWeights(builder.plan(new CnnArchitecture(List.of(
                new StageSpec(1, 16, 3, ConvType.PLAIN, false, true, Pooling.MAX),
                new StageSpec(1, 32, 3, ConvType.PLAIN, true, true, Pooling.MAX)), new HeadSpec(64, 0))));
        NetworkPlan pruned = L1FilterPruner.prune(plan, 0.5).plan();
        NetworkPlan factorized = LowRank.factorize(pruned, 0.25, true).plan();
        NetworkPlan sparse = MagnitudePruner.prune(factorized, 0.5, false);
        List<TrialMetrics.Layer> rows = table(sparse);
        assertThat(rows).extracting(TrialMetrics.Layer::layer).startsWith("conv 3×3, 1→8")
                // L1 keeps half the filters and hidden units; low-rank splits the 784→32 layer at rank 8
                .containsSubsequence("conv 3×3, 8→16", "conv 1×1, 8→16", "dense 784→8", "dense 8→32", "dense 32→10");
        assertThat(rows).filteredOn(r -> r.layer().startsWith("conv 3×3, 8→16")).singleElement()
                .satisfies(r -> assertThat(r.outputShape()).containsExactly(16L, 14L, 14L))
                .satisfies(r -> assertThat(r.nonZeroParams()).isLessThan(r.params()));
    }
}
