package org.naspipeline.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
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

/** MACs counted from the built network, checked against hand calculations. */
class MacCounterTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);

    long macs(ArchitectureSpec spec) {
        Block block = builder.build(spec);
        try (NDManager m = NDManager.newBaseManager()) {
            block.initialize(m, DataType.FLOAT32, builder.inputShape(1));
            return MacCounter.count(block, builder.inputShape(1));
        }
    }

    @Test
    void plainConvThenDense() {
        // conv 1→8, 3×3, same padding on 28×28: 8·28·28 outputs × 1·3·3 = 56,448; no pooling;
        // flatten 8·28·28 = 6,272 → dense 10: 62,720. Total 119,168.
        ArchitectureSpec spec = new CnnArchitecture(List.of(new StageSpec(1, 8, 3, ConvType.PLAIN, false, false, Pooling.NONE)), new HeadSpec(0, 0));
        assertThat(macs(spec)).isEqualTo(119_168);
    }

    @Test
    void depthwiseSeparableWithSkipPoolingAndHiddenDense() {
        // stage 0: conv 1→4 k3 on 28×28 = 4·784·9 = 28,224; max pool → 14×14
        // stage 1: depthwise 4 groups k5 on 14×14 = 4·196·(1·25) = 19,600; pointwise 4→8 = 8·196·4 = 6,272;
        //          projection shortcut 4→8 1×1 = 6,272; avg pool → 7×7
        // head: 8·7·7 = 392 → 32: 12,544; 32 → 10: 320.  Total 73,232.
        ArchitectureSpec spec = new CnnArchitecture(List.of(
                new StageSpec(1, 4, 3, ConvType.PLAIN, false, true, Pooling.MAX),
                new StageSpec(1, 8, 5, ConvType.DEPTHWISE_SEPARABLE, true, true, Pooling.AVG)), new HeadSpec(32, 0.1));
        assertThat(macs(spec)).isEqualTo(28_224 + 19_600 + 6_272 + 6_272 + 12_544 + 320);
    }

    @Test
    void mlpCountsEachDenseLayer() {
        ArchitectureSpec spec = new MlpArchitecture(List.of(100, 50), new HeadSpec(0, 0));
        assertThat(macs(spec)).isEqualTo(784 * 100 + 100 * 50 + 50 * 10);
    }
}
