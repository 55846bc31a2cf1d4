package org.naspipeline.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
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

class ModelBuilderTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);

    Shape forwardShape(ArchitectureSpec spec, long[] paramsOut) {
        Block block = builder.build(spec);
        try (NDManager manager = NDManager.newBaseManager()) {
            block.setInitializer(new XavierInitializer(), ai.djl.nn.Parameter.Type.WEIGHT);
            block.initialize(manager, DataType.FLOAT32, builder.inputShape(3));
            NDArray x = manager.randomNormal(builder.inputShape(3));
            NDArray out = block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            paramsOut[0] = block.getParameters().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
            return out.getShape();
        }
    }

    @Test
    void everyLayerTypeBuildsAndClassifiesIntoTenOutputs() {
        ArchitectureSpec spec = new CnnArchitecture(List.of(
                new StageSpec(2, 8, 3, ConvType.PLAIN, true, true, Pooling.MAX),
                new StageSpec(1, 16, 5, ConvType.DEPTHWISE_SEPARABLE, true, false, Pooling.AVG),
                new StageSpec(1, 16, 3, ConvType.DEPTHWISE_SEPARABLE, false, true, Pooling.NONE)), new HeadSpec(32, 0.3));
        long[] params = new long[1];
        assertThat(forwardShape(spec, params)).isEqualTo(new Shape(3, 10));
        // Hand count: stage 1: conv 1→8 k3 (72, no bias: BN) + BN(4×8 incl. running stats=32) + 1×1 projection 1→8 (8);
        // conv 8→8 k3 (576) + BN (32), identity shortcut. Stage 2: depthwise 8 k5 with bias (200+8) + pointwise 8→16
        // with bias (128+16) + projection 8→16 (128). Stage 3: depthwise 16 k3 (144) + pointwise 16→16 (256) + BN (64).
        // Head: 7×7×16=784 → 32 (25088+32), 32 → 10 (320+10).
        long expected = 72 + 32 + 8 + 576 + 32 + 200 + 8 + 128 + 16 + 128 + 144 + 256 + 64 + 25088 + 32 + 320 + 10;
        assertThat(params[0]).isEqualTo(expected);
    }

    @Test
    void mlpBuildsWithHiddenLayers() {
        long[] params = new long[1];
        ArchitectureSpec mlp = new MlpArchitecture(List.of(64, 32), new HeadSpec(0, 0.0));
        assertThat(forwardShape(mlp, params)).isEqualTo(new Shape(3, 10));
        assertThat(params[0]).isEqualTo(784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
    }

    @Test
    void poolingTheImageAwayFailsFastNamingTheStage() {
        StageSpec pooled = new StageSpec(1, 4, 1, ConvType.PLAIN, false, false, Pooling.MAX);
        ArchitectureSpec tooDeep = new CnnArchitecture(List.of(pooled, pooled, pooled, pooled, pooled), new HeadSpec(0, 0));
        assertThatThrownBy(() -> builder.build(tooDeep))
                .isInstanceOf(UnbuildableArchitectureException.class)
                .hasMessage("architecture.stages[4].pooling: the feature map would shrink to 0×0 (input 28×28, pooled 5 times)");
    }

    @Test
    void kernelsLargerThanTheFeatureMapAndEmptySpecsAreRejected() {
        StageSpec pooled = new StageSpec(1, 4, 3, ConvType.PLAIN, false, false, Pooling.MAX);
        StageSpec wide = new StageSpec(1, 4, 9, ConvType.PLAIN, false, false, Pooling.NONE);
        assertThatThrownBy(() -> builder.build(new CnnArchitecture(List.of(pooled, pooled, pooled, wide), new HeadSpec(0, 0))))
                .hasMessageStartingWith("architecture.stages[3].kernelSize: 9 exceeds the 3×3 feature map");
        assertThatThrownBy(() -> builder.build(new CnnArchitecture(List.of(), null)))
                .hasMessageContaining("at least one stage");
        assertThatThrownBy(() -> builder.build(new MlpArchitecture(List.of(), null)))
                .hasMessageContaining("at least one hidden layer");
    }

    @Test
    void eachFamilysPlannerRefusesWhatItCannotRealizeAtItsPath() {
        ModelBuilder table = new ModelBuilder(new long[] {8}, 3);
        StageSpec plain = new StageSpec(1, 4, 3, ConvType.PLAIN, false, false, Pooling.NONE);
        assertThatThrownBy(() -> table.plan(new CnnArchitecture(List.of(plain), null)))
                .hasMessage("architecture.family: cnn needs image input (channels, height, width), but this dataset's examples "
                        + "have shape [8]; use the mlp family");
        assertThatThrownBy(() -> builder.plan(new CnnArchitecture(List.of(new StageSpec(1, 4, 2, ConvType.PLAIN, false, false, Pooling.NONE)), null)))
                .hasMessage("architecture.stages[0].kernelSize: must be odd and ≥ 1 (got 2)");
        assertThatThrownBy(() -> builder.plan(new CnnArchitecture(List.of(plain, new StageSpec(0, 4, 3, ConvType.PLAIN, false, false, Pooling.NONE)), null)))
                .hasMessage("architecture.stages[1]: blocks and filters must be ≥ 1");
        assertThatThrownBy(() -> table.plan(new MlpArchitecture(List.of(16, 0), null)))
                .hasMessage("architecture.hiddenUnits[1]: must be ≥ 1 (got 0)");
        // an MLP on a table: its body (flatten, dense 8→16, ReLU), then the shared head (flatten, classifier 16→3)
        assertThat(table.plan(new MlpArchitecture(List.of(16), null)).layers())
                .extracting(l -> l instanceof NetworkPlan.Dense d ? "dense " + d.in() + "→" + d.out() : l.getClass().getSimpleName())
                .containsExactly("Flatten", "dense 8→16", "Relu", "Flatten", "dense 16→3");
    }
}
