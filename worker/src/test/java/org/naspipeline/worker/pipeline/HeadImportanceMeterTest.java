package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.worker.cpu.MeasurementGate;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.PlanBlocks;

/** Head importances of a network over a data set: one array per encoder layer, unit L2 norm, zero for a silent head. */
class HeadImportanceMeterTest {
    @TempDir
    Path dir;

    @Test
    void aHeadWhoseOutputIsZeroHasNoImportanceAndEachLayerHasUnitNorm() {
        ModelBuilder builder = new ModelBuilder(1, 8, 8, 3);
        TransformerArchitecture vit = new TransformerArchitecture(2, 16, 4, 2.0, 4, NormPlacement.POST, TokenPooling.MEAN, 0.0,
                new HeadSpec(0, 0.0));
        NetworkPlan plan;
        try (NDManager manager = NDManager.newBaseManager()) {
            PlanBlocks.Built built = PlanBlocks.build(builder.plan(vit));
            built.block().initialize(manager, DataType.FLOAT32, builder.inputShape(1));
            plan = PlanBlocks.capture(built);
        }
        // silence head 2 of the first layer: its 4 columns of the output projection are zero
        Encoder first = (Encoder) plan.layers().get(3);
        float[] w = first.output().weight().clone();
        for (int row = 0; row < 16; row++) {
            Arrays.fill(w, row * 16 + 8, row * 16 + 12, 0f);
        }
        IdentityHashMap<NetworkPlan.Layer, NetworkPlan.Layer> silenced = new IdentityHashMap<>();
        silenced.put(first.output(), first.output().with(w, first.output().bias()));
        plan = plan.withReplaced(silenced);

        SplittableRandom r = new SplittableRandom(1);
        int n = 150; // 3 batches, the last one short
        float[] x = new float[n * 64];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 64; j++) {
                x[i * 64 + j] = (float) r.nextGaussian() + (j % 3 == i % 3 ? 1f : 0f);
            }
        }
        double[][] importance = HeadImportanceMeter.measure(plan, new TensorData(x, y, n, new long[] {1, 8, 8}, 3), Device.cpu(),
                new java.util.concurrent.locks.ReentrantLock(), MeasurementGate.in(dir));
        assertThat(importance).hasDimensions(2, 4);
        assertThat(importance[0][2]).isZero();
        for (double[] layer : importance) {
            assertThat(Math.sqrt(Arrays.stream(layer).map(v -> v * v).sum())).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        }
        assertThat(importance[0][0]).isPositive();
        assertThat(Arrays.stream(importance[1]).min().orElseThrow()).isPositive();
    }
}
