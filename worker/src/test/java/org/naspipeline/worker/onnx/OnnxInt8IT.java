package org.naspipeline.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.compress.L1FilterPruner;
import org.naspipeline.worker.compress.LowRank;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;

/**
 * The reference CNN trained on the bundled subset, exported fp32 and int8 and run in ONNX Runtime: the int8 file
 * runs on int8 kernels (read from the profiler), agrees with fp32, and so does a pruned + low-rank + int8 one.
 */
class OnnxInt8IT {
    static final Set<String> FLOAT_COMPUTE = Set.of("Conv", "FusedConv", "Gemm", "FusedGemm", "MatMul", "Add");
    static TrainedReference reference;
    static byte[] fp32;
    static double fp32Accuracy;
    static float[] fp32Logits;

    @BeforeAll
    static void trainAndExport() {
        reference = TrainedReference.train(2);
        fp32 = OnnxExporter.fp32(reference.plan);
        try (OnnxModel m = OnnxModel.load(fp32, "model.onnx", 1)) {
            fp32Accuracy = m.accuracy(reference.data.test());
            fp32Logits = m.run(reference.data.test().features(), reference.data.test().count());
        }
        assertThat(fp32Accuracy).as("the reference model has learned something").isGreaterThan(0.6);
    }

    static ActivationRanges calibrate(NetworkPlan plan, OnnxExporter.Calibration c) {
        return OnnxExporter.calibrate(plan, reference.data.train(), c, 1);
    }

    /** Share of test examples on which the model's top class equals the fp32 model's. */
    static double agreement(OnnxModel m) {
        TensorData test = reference.data.test();
        float[] logits = m.run(test.features(), test.count());
        int same = 0;
        for (int i = 0; i < test.count(); i++) {
            if (OnnxModel.argMax(logits, i * 10, 10) == OnnxModel.argMax(fp32Logits, i * 10, 10)) {
                same++;
            }
        }
        return (double) same / test.count();
    }

    /**
     * The model runs on int8 kernels except for the first conv (one input channel), which runs in float by design,
     * and no max pooling runs ORT's generic int8 NCHW kernel (int8 pooling is NhwcMaxPool).
     */
    static void assertInt8Kernels(OnnxModel m) {
        List<OrtProfile.KernelRun> runs = m.kernelRuns();
        assertThat(runs).extracting(OrtProfile.KernelRun::op).contains("QLinearConv", "QGemm", "QLinearAdd");
        List<OrtProfile.KernelRun> floatCompute = runs.stream().filter(r -> FLOAT_COMPUTE.contains(r.op())).toList();
        assertThat(floatCompute).as("float compute kernels").hasSize(1)
                .allSatisfy(r -> assertThat(r.op()).isIn("Conv", "FusedConv"));
        assertThat(floatCompute.get(0).inputType()).isEqualTo("float");
        assertThat(runs).filteredOn(r -> r.op().equals("MaxPool")).allSatisfy(r -> assertThat(r.inputType()).isEqualTo("float"));
    }

    @Test
    void int8RunsOnInt8KernelsAndAgreesWithFp32() {
        byte[] int8 = OnnxExporter.int8(reference.plan, calibrate(reference.plan, OnnxExporter.Calibration.minMax(8, 32)));
        try (OnnxModel m = OnnxModel.load(int8, "model.int8.onnx", 1)) {
            Set<String> kernels = m.kernels();
            assertInt8Kernels(m);
            double agreement = agreement(m);
            double accuracy = m.accuracy(reference.data.test());
            System.out.printf("int8 min/max: agreement %.3f, accuracy %.4f vs fp32 %.4f, %d vs %d bytes, kernels %s%n",
                    agreement, accuracy, fp32Accuracy, int8.length, fp32.length, kernels);
            assertThat(agreement).isGreaterThanOrEqualTo(0.9);
            assertThat(accuracy).isGreaterThan(fp32Accuracy - 0.03);
        }
        assertThat((double) int8.length / fp32.length).as("int8 file size / fp32").isLessThan(0.3);
    }

    @Test
    void everyConvInInt8OnRequestAlsoRunsAndAgrees() {
        byte[] all = OnnxExporter.int8(reference.plan, calibrate(reference.plan, OnnxExporter.Calibration.minMax(8, 32)),
                OnnxExporter.Activations.U8, 0, false);
        try (OnnxModel m = OnnxModel.load(all, "model.all-int8.onnx", 1)) {
            assertThat(m.kernels()).contains("QLinearConv", "QGemm", "QLinearAdd").doesNotContainAnyElementsOf(FLOAT_COMPUTE);
            assertThat(agreement(m)).isGreaterThanOrEqualTo(0.9);
        }
    }

    @Test
    void percentileCalibrationClipsTheRangesAndStillAgrees() {
        ActivationRanges minMax = calibrate(reference.plan, OnnxExporter.Calibration.minMax(4, 32));
        ActivationRanges clipped = calibrate(reference.plan, new OnnxExporter.Calibration(4, 32, 99.9));
        // the input for S8 (every conv int8), the pooled output of the float first conv for U8
        assertThat(clipped.ranges().keySet()).isEqualTo(minMax.ranges().keySet()).contains("input", "layers[3]");
        clipped.ranges().forEach((name, r) -> {
            float[] full = minMax.ranges().get(name);
            assertThat(r[0]).as(name).isGreaterThanOrEqualTo(full[0]);
            assertThat(r[1]).as(name).isLessThanOrEqualTo(full[1]);
        });
        assertThat(clipped.ranges().values().stream().anyMatch(r -> r[1] < minMax.ranges().values().stream().mapToDouble(f -> f[1]).max().orElseThrow()))
                .as("some range is narrower").isTrue();
        try (OnnxModel m = OnnxModel.load(OnnxExporter.int8(reference.plan, clipped), "model.int8.onnx", 1)) {
            double agreement = agreement(m);
            System.out.printf("int8 percentile 99.9: agreement %.3f%n", agreement);
            assertThat(agreement).isGreaterThanOrEqualTo(0.9);
        }
    }

    @Test
    void signedActivationsAlsoExportAndRunInInt8() {
        byte[] s8 = OnnxExporter.int8(reference.plan, calibrate(reference.plan, OnnxExporter.Calibration.minMax(4, 32)),
                OnnxExporter.Activations.S8);
        try (OnnxModel m = OnnxModel.load(s8, "model.s8.onnx", 1)) {
            assertThat(m.kernels()).contains("QLinearConv");
            assertThat(agreement(m)).isGreaterThanOrEqualTo(0.9);
        }
    }

    @Test
    void aPrunedLowRankInt8ModelExportsAtItsShrunkShapesAndRuns() {
        NetworkPlan pruned = L1FilterPruner.prune(reference.plan, 0.5).plan();
        NetworkPlan factored = LowRank.factorize(pruned, 0.5, false).plan();
        assertThat(factored.layers().size()).as("low-rank pairs were added").isGreaterThan(pruned.layers().size());
        byte[] fp = OnnxExporter.fp32(factored);
        byte[] int8 = OnnxExporter.int8(factored, calibrate(factored, OnnxExporter.Calibration.minMax(8, 32)));
        assertThat(fp.length).as("the shrunk layers are exported at their shrunk shapes").isLessThan(fp32.length / 2);
        TensorData test = reference.data.test();
        float[] x = java.util.Arrays.copyOf(test.features(), 16 * 784);
        float[] djl = TestPlans.djlLogits(factored, x, 16);
        try (OnnxModel f = OnnxModel.load(fp, "pruned.onnx", 1); OnnxModel q = OnnxModel.load(int8, "pruned.int8.onnx", 1)) {
            float[] onnx = f.run(x, 16);
            for (int i = 0; i < onnx.length; i++) {
                assertThat(onnx[i]).as("logit %d", i).isCloseTo(djl[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
            assertInt8Kernels(q);
            float[] a = f.run(test.features(), test.count());
            float[] b = q.run(test.features(), test.count());
            int same = 0;
            for (int i = 0; i < test.count(); i++) {
                same += OnnxModel.argMax(a, i * 10, 10) == OnnxModel.argMax(b, i * 10, 10) ? 1 : 0;
            }
            double fpAccuracy = f.accuracy(test);
            double qAccuracy = q.accuracy(test);
            System.out.printf("pruned 50%% + low-rank 0.5 (no fine-tuning): fp32 accuracy %.4f, int8 %.4f, agreement %.3f "
                    + "(unpruned fp32 %.4f), %d bytes int8, %d fp32%n", fpAccuracy, qAccuracy, (double) same / test.count(),
                    fp32Accuracy, int8.length, fp.length);
            assertThat((double) same / test.count()).as("int8 agrees with the pruned fp32 model").isGreaterThanOrEqualTo(0.85);
            assertThat(qAccuracy).isGreaterThan(fpAccuracy - 0.05);
        }
    }
}
