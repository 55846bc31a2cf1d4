package org.naspipeline.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Flatten;
import org.naspipeline.worker.model.NetworkPlan.Relu;

/** fp32 ONNX export against DJL on the same plan and weights, and the int8 form of every layer kind, in ONNX Runtime. */
class OnnxParityIT {

    static void assertSameLogits(NetworkPlan plan, int n, long seed) {
        int size = (int) java.util.Arrays.stream(plan.inputShape()).reduce(1, (a, b) -> a * b);
        float[] x = TestPlans.gaussian(new Random(seed), n * size);
        float[] expected = TestPlans.djlLogits(plan, x, n);
        try (OnnxModel m = OnnxModel.load(OnnxExporter.fp32(plan), "model.onnx", 1)) {
            assertThat(m.sampleShape()).containsExactly(plan.inputShape());
            assertThat(m.classes()).isEqualTo(plan.classes());
            float[] actual = m.run(x, n);
            assertThat(actual).hasSize(n * plan.classes());
            double spread = 0;
            for (int i = 0; i < actual.length; i++) {
                assertThat(actual[i]).as("logit %d", i).isCloseTo(expected[i], Offset.offset(1e-4f));
                spread = Math.max(spread, Math.abs(expected[i]));
            }
            assertThat(spread).as("the logits are not trivially zero").isGreaterThan(0.1);
        }
    }

    @Test
    void everyLayerKindGivesDjlsLogitsWithin1e4() {
        assertSameLogits(TestPlans.withRandomWeights(TestPlans.everyLayerKind(), 3), 6, 11);
    }

    @Test
    void aTablePlanGivesDjlsLogitsWithin1e4() {
        NetworkPlan mlp = new NetworkPlan(new long[] {7}, 3, List.of(new Flatten(), new Dense(7, 12, true, null, null),
                new Relu(), new Flatten(), new Dense(12, 3, true, null, null)));
        assertSameLogits(TestPlans.withRandomWeights(mlp, 5), 9, 12);
    }

    @Test
    void oddMapsAndEvenKernelsKeepDjlsShapes() {
        // 7×7 → even 2×2 kernel with padding 1 on each side (DJL's k/2) → 8×8 → pool → 4×4 → 3×3 conv → avg pool → 2×2
        NetworkPlan odd = new NetworkPlan(new long[] {2, 7, 7}, 3, List.of(
                new NetworkPlan.Conv(2, 4, 2, 1, true, null, null), new Relu(), new NetworkPlan.Pool(true),
                new NetworkPlan.Conv(4, 4, 3, 2, true, null, null), new NetworkPlan.Pool(false),
                new Flatten(), new Dense(16, 3, true, null, null)));
        assertSameLogits(TestPlans.withRandomWeights(odd, 8), 5, 13);
        NetworkPlan oddPool = new NetworkPlan(new long[] {1, 7, 7}, 3, List.of(
                new NetworkPlan.Conv(1, 3, 3, 1, true, null, null), new NetworkPlan.Pool(true), new NetworkPlan.Pool(false),
                new Flatten(), new Dense(3, 3, true, null, null)));
        assertSameLogits(TestPlans.withRandomWeights(oddPool, 9), 5, 14);
    }

    @Test
    void everyLayerKindRunsOnInt8KernelsWhenQuantized() {
        NetworkPlan plan = TestPlans.withRandomWeights(TestPlans.everyLayerKind(), 3);
        Random r = new Random(4);
        TensorData calibration = new TensorData(TestPlans.gaussian(r, 64 * 192), new float[64], 64, new long[] {3, 8, 8}, 4);
        ActivationRanges ranges = OnnxExporter.calibrate(plan, calibration, OnnxExporter.Calibration.minMax(4, 16), 1);
        float[] x = TestPlans.gaussian(r, 8 * 192);
        try (OnnxModel fp = OnnxModel.load(OnnxExporter.fp32(plan), "model.onnx", 1);
             OnnxModel q = OnnxModel.load(OnnxExporter.int8(plan, ranges), "model.int8.onnx", 1)) {
            assertThat(fp.kernels()).contains("Conv", "MaxPool", "AveragePool", "BatchNormalization")
                    .doesNotContain("QLinearConv", "QGemm");
            // the standalone batch norm stays a float op, and so does the first conv (3 input channels, see
            // docs/onnx.md); everything else that computes is int8
            assertThat(q.kernels()).contains("QLinearConv", "QGemm", "QLinearAdd", "QLinearAveragePool", "BatchNormalization");
            assertThat(q.kernelRuns()).filteredOn(k -> OnnxInt8IT.FLOAT_COMPUTE.contains(k.op())).singleElement()
                    .satisfies(k -> assertThat(k.op()).isIn("Conv", "FusedConv"));
            float[] a = fp.run(x, 8);
            float[] b = q.run(x, 8);
            double maxLogit = 0;
            double maxError = 0;
            for (int i = 0; i < a.length; i++) {
                maxLogit = Math.max(maxLogit, Math.abs(a[i]));
                maxError = Math.max(maxError, Math.abs(a[i] - b[i]));
            }
            assertThat(maxError).as("int8 logits stay close to fp32").isLessThan(0.1 * maxLogit);
        }
    }
}
