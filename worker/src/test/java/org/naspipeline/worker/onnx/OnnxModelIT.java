package org.naspipeline.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Flatten;

/** Loading and running ONNX files in ONNX Runtime: bad files and bad input give clear errors, never a crash. */
class OnnxModelIT {
    @TempDir
    Path dir;
    static NetworkPlan plan;
    static byte[] model;

    @BeforeAll
    static void export() {
        plan = TestPlans.withRandomWeights(new NetworkPlan(new long[] {2, 4, 4}, 3,
                List.of(new Flatten(), new Dense(32, 3, true, null, null))), 1);
        model = OnnxExporter.fp32(plan);
    }

    static TensorData data(int count, long... shape) {
        int size = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] labels = new float[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 3;
        }
        return new TensorData(TestPlans.gaussian(new Random(count), count * size), labels, count, shape, 3);
    }

    @Test
    void aSavedModelLoadsFromItsFileAndMeasures() throws IOException {
        Path file = Files.write(dir.resolve("model.onnx"), model);
        try (OnnxModel m = OnnxModel.load(file, 2)) {
            assertThat(m.threads()).isEqualTo(2);
            assertThat(m.sampleShape()).containsExactly(2, 4, 4);
            TensorData d = data(300, 2, 4, 4);
            float[] logits = m.run(d.features(), 300);
            int correct = 0;
            for (int i = 0; i < 300; i++) {
                correct += OnnxModel.argMax(logits, i * 3, 3) == (int) d.labels()[i] ? 1 : 0;
            }
            assertThat(m.accuracy(d)).isEqualTo(correct / 300.0);
            assertThat(m.accuracy(d, org.naspipeline.worker.cpu.MeasurementGate.in(dir))).isEqualTo(correct / 300.0);
            Latency l = m.latency(d, 4, 25);
            assertThat(l.runs()).isBetween(org.naspipeline.worker.measure.LatencyTimer.MIN_RUNS, 25);
            assertThat(l.batch()).isEqualTo(4);
            assertThat(l.threads()).isEqualTo(2);
            assertThat(l.p50()).isPositive().isLessThanOrEqualTo(l.p95());
            assertThat(m.kernels()).containsExactly("Flatten", "Gemm");
        }
    }

    @Test
    void garbageBytesAreRefusedWithTheSourceName() {
        byte[] garbage = new byte[4096];
        new Random(3).nextBytes(garbage);
        assertThatThrownBy(() -> OnnxModel.load(garbage, "upload.onnx", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("upload.onnx: not an ONNX model");
        assertThatThrownBy(() -> OnnxModel.load(new byte[0], "empty.onnx", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("empty.onnx: not an ONNX model");
    }

    @Test
    void aTruncatedFileIsRefusedWithItsPath() throws IOException {
        Path file = Files.write(dir.resolve("model.onnx"), Arrays.copyOf(model, model.length / 2));
        assertThatThrownBy(() -> OnnxModel.load(file, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ": not an ONNX model (the file is truncated or not ONNX protobuf");
        assertThatThrownBy(() -> OnnxModel.load(dir.resolve("missing.onnx"), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(dir.resolve("missing.onnx") + ": cannot be read");
    }

    @Test
    void aModelOnnxRuntimeRejectsIsReportedNotCrashed() throws IOException {
        OnnxMl.ModelProto valid = OnnxMl.ModelProto.parseFrom(model);
        OnnxMl.GraphProto.Builder graph = valid.getGraph().toBuilder();
        graph.setNode(0, graph.getNode(0).toBuilder().setOpType("NoSuchOperator"));
        byte[] unknownOp = valid.toBuilder().setGraph(graph).build().toByteArray();
        assertThatThrownBy(() -> OnnxModel.load(unknownOp, "odd.onnx", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("odd.onnx: ONNX Runtime cannot load the model: ")
                .hasMessageContaining("NoSuchOperator");
        // a weight whose bytes do not fill its shape
        OnnxMl.GraphProto.Builder g1 = valid.getGraph().toBuilder();
        g1.setInitializer(0, g1.getInitializer(0).toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(new byte[3])));
        byte[] shortWeight = valid.toBuilder().setGraph(g1).build().toByteArray();
        assertThatThrownBy(() -> OnnxModel.load(shortWeight, "short.onnx", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("short.onnx: ONNX Runtime cannot load the model: ");
        // a well-formed protobuf of another kind is not a model
        byte[] tensor = valid.getGraph().getInitializer(0).toByteArray();
        assertThatThrownBy(() -> OnnxModel.load(tensor, "tensor.onnx", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tensor.onnx: ");
        // an output that is not (N, classes)
        OnnxMl.GraphProto.Builder g2 = valid.getGraph().toBuilder();
        g2.setOutput(0, g2.getOutput(0).toBuilder().setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                g2.getOutput(0).getType().getTensorType().toBuilder().setElemType(OnnxMl.TensorProto.DataType.INT64.getNumber()))));
        byte[] wrongOutput = valid.toBuilder().setGraph(g2).build().toByteArray();
        assertThatThrownBy(() -> OnnxModel.load(wrongOutput, "int-output.onnx", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("int-output.onnx: ");
    }

    @Test
    void wrongInputIsRefusedBeforeItReachesTheRuntime() {
        try (OnnxModel m = OnnxModel.load(model, "model.onnx", 1)) {
            assertThatThrownBy(() -> m.run(new float[31], 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("input: 1 examples of shape [2, 4, 4] need 32 floats, got 31");
            assertThatThrownBy(() -> m.run(new float[64], 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("input: 3 examples of shape [2, 4, 4] need 96 floats, got 64");
            assertThatThrownBy(() -> m.run(null, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("input: 1 examples of shape [2, 4, 4] need 32 floats, got none");
            assertThatThrownBy(() -> m.run(new float[0], 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> m.accuracy(data(10, 1, 28, 28))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("dataset examples of shape [1, 28, 28] do not fit model.onnx, whose input is [2, 4, 4]");
            TensorData tenClasses = data(10, 2, 4, 4);
            TensorData wrongClasses = new TensorData(tenClasses.features(), tenClasses.labels(), 10, tenClasses.sampleShape(), 10);
            assertThatThrownBy(() -> m.accuracy(wrongClasses)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("dataset has 10 classes, but model.onnx gives 3 class scores");
            TensorData empty = new TensorData(new float[0], new float[0], 0, new long[] {2, 4, 4}, 3);
            assertThatThrownBy(() -> m.accuracy(empty)).isInstanceOf(IllegalArgumentException.class).hasMessage("dataset: no examples");
            assertThatThrownBy(() -> m.latency(data(10, 2, 4, 4), 0, 10)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("latency: batch and runs must be ≥ 1 (got 0, 10)");
            // the session still serves after refusing bad input
            assertThat(m.run(new float[32], 1)).hasSize(3);
        }
        assertThatThrownBy(() -> OnnxModel.load(model, "model.onnx", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads: must be ≥ 1 (got 0)");
    }

    @Test
    void calibrationRefusesDataOfAnotherShape() {
        assertThatThrownBy(() -> OnnxExporter.calibrate(plan, data(10, 1, 28, 28), OnnxExporter.Calibration.minMax(1, 4), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("calibration data: examples of shape [1, 28, 28] do not fit the plan's input [2, 4, 4]");
    }
}
