package org.naspipeline.worker.model.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.model.MacCounter;

/** Pruned heads: the smaller block equals the masked original, and parameters and MACs drop as computed. */
class HeadPruningTest {
    final NDManager manager = NDManager.newBaseManager();
    final Shape input = new Shape(2, 5, 8);

    @AfterEach
    void close() {
        manager.close();
    }

    MultiHeadAttention block(int heads) {
        MultiHeadAttention b = new MultiHeadAttention(8, heads, 4);
        b.initialize(manager, DataType.FLOAT32, new Shape(1, 5, 8));
        return b;
    }

    static long parameters(Block b) {
        return b.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    @Test
    void prunedBlockEqualsMaskedOriginalAndIsSmaller() {
        MultiHeadAttention original = block(3);
        NDArray x = manager.randomNormal(input);
        ParameterStore store = new ParameterStore(manager, false);
        float[] masked = original.forward(store, new NDList(x, manager.create(new float[] {1, 0, 1})), false)
                .singletonOrThrow().toFloatArray();

        AttentionWeights pruned = HeadPruning.prune(AttentionWeights.capture(original), new int[] {0, 2});
        MultiHeadAttention smaller = block(2);
        pruned.load(smaller);
        float[] out = smaller.forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
        for (int i = 0; i < out.length; i++) {
            assertThat(Math.abs(out[i] - masked[i])).as("element %d", i).isLessThan(1e-5f);
        }

        // one head of 4 removed from width 8: q, k, v lose 4 rows of 8 and 4 biases each, o loses 4 columns of 8 rows
        assertThat(parameters(original)).isEqualTo(3L * (12 * 8 + 12) + 8 * 12 + 8); // 428
        assertThat(parameters(original) - parameters(smaller)).isEqualTo(3L * (4 * 8 + 4) + 8 * 4); // 140
        // per sequence: projections 4·5·8·(12 − 8) = 640, QKᵀ and AV 2·(3 − 2)·5·5·4 = 200; batch of 2
        assertThat(MacCounter.count(original, input) - MacCounter.count(smaller, input)).isEqualTo(2 * (640 + 200));
        assertThat(MacCounter.count(smaller, input)).isEqualTo(2 * AttentionMacs.of(5, 8, 2, 4));
        assertThat(pruned.output().bias()).isEqualTo(AttentionWeights.capture(original).output().bias());
    }

    @Test
    void refusesToRemoveEveryHeadOrUnorderedIndices() {
        AttentionWeights w = AttentionWeights.capture(block(3));
        assertThatThrownBy(() -> HeadPruning.prune(w, new int[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeadPruning.prune(w, new int[] {2, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeadPruning.prune(w, new int[] {3})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void selectsTheMostImportantHeadsLowerIndexOnTies() {
        assertThat(HeadPruning.keepTop(new double[] {0.1, 0.5, 0.5, 0.2}, 2)).containsExactly(1, 2);
        assertThat(HeadPruning.keepTop(new double[] {0.3, 0.3, 0.3}, 2)).containsExactly(0, 1);
        assertThat(HeadPruning.keepTop(new double[] {0.3, 0.9, 0.1}, 1)).containsExactly(1);
        assertThat(HeadPruning.keepTop(new double[] {0.3, 0.9, 0.1}, 0)).containsExactly(1);
        assertThat(HeadPruning.keepTop(new double[] {0.3, 0.9, 0.1}, 5)).containsExactly(0, 1, 2);
    }
}
