package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.worker.model.MacCounter;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Embed;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.NetworkPlan.LayerNorm;
import org.naspipeline.worker.model.NetworkPlan.Patches;
import org.naspipeline.worker.model.NetworkPlan.TokenPool;
import org.naspipeline.worker.model.PlanBlocks;
import org.naspipeline.worker.model.attention.AttentionMacs;

/** The layer table's rows for the token layers of the transformer family. */
class LayerTableTokensTest {

    static Encoder encoder(int d, int heads, int headDim, int hidden, boolean preNorm) {
        int inner = heads * headDim;
        return new Encoder(heads, headDim, preNorm, 0.1, new LayerNorm(d, null, null), new Dense(d, inner, true, null, null),
                new Dense(d, inner, true, null, null), new Dense(d, inner, true, null, null), new Dense(inner, d, true, null, null),
                new LayerNorm(d, null, null), new Dense(d, hidden, true, null, null), new Dense(hidden, d, true, null, null));
    }

    /** (1, 8, 8) → 4 patches of 16 → width 8 + class token → a pre-norm and a post-norm encoder → layer norm → class token → 3. */
    static NetworkPlan plan(boolean cls) {
        return new NetworkPlan(new long[] {1, 8, 8}, 3, List.of(new Patches(1, 4), new Dense(16, 8, true, null, null),
                new Embed(4, 8, cls, null, null), encoder(8, 2, 4, 16, true), encoder(8, 2, 4, 16, false),
                new LayerNorm(8, null, null), new TokenPool(cls), new Dense(8, 3, true, null, null)));
    }

    @Test
    void theTokenLayersInWords() {
        NetworkPlan plan = plan(true);
        assertThat(plan.layers()).extracting(LayerTable::describe).containsExactly("patches 4×4, 1 channel", "dense 16→8",
                "position embedding (+ class token)", "encoder (2 heads × 4, MLP 16, pre-norm)", "encoder (2 heads × 4, MLP 16, post-norm)",
                "layer norm", "class token", "dense 8→3");
        assertThat(plan(false).layers()).extracting(LayerTable::describe).contains("position embedding", "mean over tokens");
        // after head pruning a layer may keep one head; colour images have 3 channels
        assertThat(LayerTable.describe(encoder(8, 1, 4, 16, true))).isEqualTo("encoder (1 head × 4, MLP 16, pre-norm)");
        assertThat(LayerTable.describe(new Patches(3, 4))).isEqualTo("patches 4×4, 3 channels");
    }

    /**
     * Shapes, weights and MACs come from the DJL blocks ({@code PlanBlocks}), as for every layer.
     */
    @Test
    void theTokenLayersWithTheirShapesWeightsAndMacs() {
        NetworkPlan plan = plan(true);
        PlanBlocks.Built built = PlanBlocks.build(plan);
        Shape input = new Shape(1, 1, 8, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            built.block().initialize(m, DataType.FLOAT32, input);
            List<TrialMetrics.Layer> rows = LayerTable.of(plan, built.block(), input);
            assertThat(rows.stream().mapToLong(TrialMetrics.Layer::params).sum()).isEqualTo(ModelMeter.parameters(built.block())[0]);
            assertThat(rows.stream().mapToLong(TrialMetrics.Layer::macs).sum()).isEqualTo(MacCounter.count(built.block(), input));
            long encoderParams = 4 * (8 * 8 + 8) + (8 * 16 + 16) + (16 * 8 + 8) + 2 * 2 * 8;
            long encoderMacs = AttentionMacs.of(5, 8, 2, 4) + 2L * 5 * 8 * 16;
            assertThat(rows).extracting(TrialMetrics.Layer::path, TrialMetrics.Layer::outputShape, TrialMetrics.Layer::params,
                    TrialMetrics.Layer::macs).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("layers[0]", List.of(4L, 16L), 0L, 0L),
                    org.assertj.core.groups.Tuple.tuple("layers[1]", List.of(4L, 8L), 16L * 8 + 8, 4L * 16 * 8),
                    org.assertj.core.groups.Tuple.tuple("layers[2]", List.of(5L, 8L), 5L * 8 + 8, 0L),
                    org.assertj.core.groups.Tuple.tuple("layers[3]", List.of(5L, 8L), encoderParams, encoderMacs),
                    org.assertj.core.groups.Tuple.tuple("layers[4]", List.of(5L, 8L), encoderParams, encoderMacs),
                    org.assertj.core.groups.Tuple.tuple("layers[5]", List.of(5L, 8L), 16L, 0L),
                    org.assertj.core.groups.Tuple.tuple("layers[6]", List.of(8L), 0L, 0L),
                    org.assertj.core.groups.Tuple.tuple("layers[7]", List.of(3L), 27L, 24L));
        }
    }
}
