package org.naspipeline.worker.model.attention;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.model.MacCounter;

/** The attention MAC formula against hand arithmetic, and MacCounter counting the block by it. */
class AttentionMacsTest {
    @Test
    void handComputed() {
        // T=5, D=8, 2 heads of 4 (inner 8): projections 4·5·8·8 = 1,280; QKᵀ 2·5·5·4 = 200; AV 2·5·5·4 = 200.
        assertThat(AttentionMacs.of(5, 8, 2, 4)).isEqualTo(1_280 + 200 + 200);
        // T=5, D=8, 3 heads of 4 (inner 12): 4·5·8·12 = 1,920; QKᵀ and AV 3·5·5·4 = 300 each.
        assertThat(AttentionMacs.of(5, 8, 3, 4)).isEqualTo(1_920 + 300 + 300);
    }

    @Test
    void macCounterCountsTheBlockOnceInsideASequence() {
        SequentialBlock net = new SequentialBlock().add(new MultiHeadAttention(8, 2, 4)).add(Linear.builder().setUnits(3).build());
        Shape input = new Shape(2, 5, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, input);
            // batch 2 × 1,680 for the attention; the dense layer 2·5 rows × 8 × 3 = 240 (its children not counted again)
            assertThat(MacCounter.count(net, input)).isEqualTo(2 * 1_680 + 240);
        }
    }
}
