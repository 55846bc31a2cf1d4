package org.naspipeline.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Flatten;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Pool;
import org.naspipeline.worker.model.NetworkPlan.Relu;
import org.naspipeline.worker.model.NetworkPlan.Residual;

/** The exported graphs' structure and the exporter's errors (no runtime needed). */
class OnnxExporterTest {

    static OnnxMl.ModelProto parse(byte[] bytes) throws InvalidProtocolBufferException {
        return OnnxMl.ModelProto.parseFrom(bytes);
    }

    static List<String> ops(OnnxMl.ModelProto m) {
        return m.getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getOpType).collect(Collectors.toList());
    }

    static NetworkPlan plan(long[] input, int classes, Layer... layers) {
        return TestPlans.withRandomWeights(new NetworkPlan(input, classes, List.of(layers)), 1);
    }

    static ActivationRanges ranges(NetworkPlan plan) {
        Map<String, float[]> r = new java.util.HashMap<>();
        for (String p : OnnxExporter.calibrationPoints(plan)) {
            r.put(p, new float[] {-1, 2});
        }
        return new ActivationRanges(r);
    }

    @Test
    void fp32GraphIsOpset17WithADynamicBatchFoldedNormsAndTransposedGemm() throws Exception {
        OnnxMl.ModelProto m = parse(OnnxExporter.fp32(TestPlans.withRandomWeights(TestPlans.everyLayerKind(), 2)));
        assertThat(m.getIrVersion()).isEqualTo(8);
        assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(17);
        OnnxMl.ValueInfoProto in = m.getGraph().getInput(0);
        assertThat(in.getName()).isEqualTo("input");
        List<OnnxMl.TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
        assertThat(dims.get(0).getDimParam()).isEqualTo("N");
        assertThat(dims.stream().skip(1).map(OnnxMl.TensorShapeProto.Dimension::getDimValue)).containsExactly(3L, 8L, 8L);
        assertThat(m.getGraph().getOutput(0).getName()).isEqualTo("logits");
        List<String> ops = ops(m);
        // two of the three norms follow a conv and are folded into it; the one after the average pool stays
        assertThat(ops.stream().filter("BatchNormalization"::equals).count()).isEqualTo(1);
        assertThat(ops.stream().filter("Conv"::equals).count()).isEqualTo(6);
        assertThat(ops.stream().filter("Gemm"::equals).count()).isEqualTo(3);
        assertThat(ops).contains("MaxPool", "AveragePool", "Add", "Flatten", "Relu").doesNotContain("Dropout", "QuantizeLinear");
        OnnxMl.NodeProto gemm = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Gemm")).findFirst().orElseThrow();
        assertThat(gemm.getAttributeList()).anySatisfy(a -> {
            assertThat(a.getName()).isEqualTo("transB");
            assertThat(a.getI()).isEqualTo(1);
        });
        OnnxMl.NodeProto depthwise = m.getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals("layers[3].body[1]"))
                .findFirst().orElseThrow();
        assertThat(depthwise.getAttributeList()).anySatisfy(a -> {
            assertThat(a.getName()).isEqualTo("group");
            assertThat(a.getI()).isEqualTo(8);
        });
    }

    @Test
    void int8GraphHoldsInt8WeightsInt32BiasesAndQdqActivations() throws Exception {
        NetworkPlan p = TestPlans.withRandomWeights(TestPlans.everyLayerKind(), 2);
        Map<String, float[]> r = new java.util.HashMap<>(ranges(p).ranges());
        r.put("layers[2]", new float[] {0, 3});
        OnnxMl.ModelProto m = parse(OnnxExporter.int8(p, new ActivationRanges(r)));
        Map<String, OnnxMl.TensorProto> init = m.getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(OnnxMl.TensorProto::getName, t -> t));
        // the first conv reads 3 channels: it stays float (its int8 kernel is slower than the float one)
        assertThat(init).doesNotContainKeys("layers[0].weight_q", "input/zero_point");
        assertThat(init.get("layers[0].weight").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        assertThat(init.get("layers[3].body[0].weight_q").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.INT8.getNumber());
        assertThat(init.get("layers[3].body[0].weight_q").getDimsList()).containsExactly(8L, 1L, 3L, 3L);
        assertThat(init.get("layers[3].body[0].weight_scale").getDimsList()).containsExactly(8L);
        assertThat(init.get("layers[3].body[0].bias_q").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.INT32.getNumber());
        assertThat(init.get("layers[5].body[1].weight_q").getDimsList()).containsExactly(12L, 6L, 1L, 1L);
        assertThat(init.get("layers[14].weight_q").getDimsList()).containsExactly(4L, 16L);
        assertThat(init.get("layers[2]/zero_point").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.UINT8.getNumber());
        assertThat(ops(m)).contains("QuantizeLinear", "DequantizeLinear").doesNotContain("Dropout");
        // the ReLU output's range starts at 0, so its zero point is the lowest code
        assertThat(init.get("layers[2]/zero_point").getRawData().byteAt(0)).isEqualTo((byte) 0);

        OnnxMl.ModelProto s8 = parse(OnnxExporter.int8(p, new ActivationRanges(r), OnnxExporter.Activations.S8));
        Map<String, OnnxMl.TensorProto> s8init = s8.getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(OnnxMl.TensorProto::getName, t -> t));
        assertThat(s8init.get("layers[2]/zero_point").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.INT8.getNumber());
        assertThat(s8init.get("layers[2]/zero_point").getRawData().byteAt(0)).isEqualTo((byte) -128);
    }

    @Test
    void quantParamsKeepZeroExactAndSurviveAnEmptyRange() {
        assertThat(QuantParams.of(0, 2.55f, true)).isEqualTo(new QuantParams(0.01f, 0, true));
        assertThat(QuantParams.of(0, 2.55f, false)).isEqualTo(new QuantParams(0.01f, -128, false));
        assertThat(QuantParams.of(-1.275f, 1.275f, true).zeroPoint()).isEqualTo(128);
        assertThat(QuantParams.of(1, 2, true).zeroPoint()).as("the range is widened to 0").isEqualTo(0);
        assertThat(QuantParams.of(0, 0, true)).isEqualTo(new QuantParams(1f, 0, true));
    }

    @Test
    void aLayerTheGraphCannotExpressIsNamedByItsPath() {
        NetworkPlan denseOnMap = plan(new long[] {2, 4, 4}, 3, new Conv(2, 3, 3, 1, true, null, null), new Dense(48, 3, true, null, null));
        assertThatThrownBy(() -> OnnxExporter.fp32(denseOnMap)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[1]: dense(48→3) reads shape [3, 4, 4]; it needs (48) features (a flatten before it)")
                .extracting(e -> ((UnexportableLayerException) e).path()).isEqualTo("layers[1]");

        NetworkPlan wrongChannels = plan(new long[] {2, 4, 4}, 3, new Residual(List.of(new Conv(5, 2, 3, 1, true, null, null)), List.of()),
                new Flatten(), new Dense(32, 3, true, null, null));
        assertThatThrownBy(() -> OnnxExporter.fp32(wrongChannels)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[0].body[0]: conv3x3(5→2) reads shape [2, 4, 4]; it needs (5, height, width)");

        NetworkPlan mismatchedSum = plan(new long[] {2, 4, 4}, 3, new Residual(List.of(new Conv(2, 4, 3, 1, true, null, null)), List.of()),
                new Flatten(), new Dense(64, 3, true, null, null));
        assertThatThrownBy(() -> OnnxExporter.fp32(mismatchedSum)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[0]: the body gives shape [4, 4, 4] but the shortcut [2, 4, 4]; they cannot be added");

        NetworkPlan poolAfterFlatten = plan(new long[] {2, 4, 4}, 3, new Flatten(), new Pool(true), new Dense(32, 3, true, null, null));
        assertThatThrownBy(() -> OnnxExporter.fp32(poolAfterFlatten)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[1]: 2×2 pooling needs a feature map of at least 2×2, got shape [32]");

        NetworkPlan badGroups = plan(new long[] {3, 4, 4}, 3, new Conv(3, 4, 3, 2, true, null, null));
        assertThatThrownBy(() -> OnnxExporter.fp32(badGroups)).hasMessage("layers[0]: conv3x3(3→4, groups 2): groups 2 must divide both channel counts");

        NetworkPlan wrongEnd = plan(new long[] {2, 4, 4}, 5, new Flatten(), new Dense(32, 3, true, null, null));
        assertThatThrownBy(() -> OnnxExporter.fp32(wrongEnd)).hasMessage("layers: the network ends in shape [3], not the 5 class scores");

        NetworkPlan rank2Input = new NetworkPlan(new long[] {4, 4}, 3, List.of(new Flatten()));
        assertThatThrownBy(() -> OnnxExporter.fp32(rank2Input)).hasMessage("inputShape: must be (channels, height, width) or (features), got [4, 4]");
    }

    @Test
    void missingOrNonFiniteWeightsAreNamed() {
        NetworkPlan untrained = new NetworkPlan(new long[] {4}, 2, List.of(new Dense(4, 2, true, null, null)));
        assertThatThrownBy(() -> OnnxExporter.fp32(untrained)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[0]: weight is missing (the plan has no trained weights)");

        NetworkPlan trained = TestPlans.withRandomWeights(new NetworkPlan(new long[] {2, 4, 4}, 2, List.of(
                new Residual(List.of(new Conv(2, 2, 3, 1, true, null, null), new NetworkPlan.Norm(2, null, null, null, null), new Relu()), List.of()),
                new Flatten(), new Dense(32, 2, true, null, null))), 1);
        Residual r = (Residual) trained.layers().get(0);
        Conv c = (Conv) r.body().get(0);
        float[] w = c.weight().clone();
        w[3] = Float.NaN;
        IdentityHashMap<Layer, Layer> nan = new IdentityHashMap<>();
        nan.put(c, c.with(w, c.bias()));
        assertThatThrownBy(() -> OnnxExporter.fp32(trained.withReplaced(nan))).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[0].body[0]: weight[3] is not finite (NaN)");

        NetworkPlan.Norm n = (NetworkPlan.Norm) r.body().get(1);
        float[] var = n.var().clone();
        var[1] = Float.POSITIVE_INFINITY;
        IdentityHashMap<Layer, Layer> inf = new IdentityHashMap<>();
        inf.put(n, new NetworkPlan.Norm(2, n.gamma(), n.beta(), n.mean(), var));
        assertThatThrownBy(() -> OnnxExporter.fp32(trained.withReplaced(inf)))
                .hasMessage("layers[0].body[1]: var[1] is not finite (Infinity)");

        IdentityHashMap<Layer, Layer> shortBias = new IdentityHashMap<>();
        shortBias.put(c, c.with(c.weight(), new float[1]));
        assertThatThrownBy(() -> OnnxExporter.fp32(trained.withReplaced(shortBias)))
                .hasMessage("layers[0].body[0]: bias has 1 values, the layer's shape needs 2");
    }

    @Test
    void int8NeedsARangeForEveryQuantizedTensor() {
        NetworkPlan p = TestPlans.withRandomWeights(TestPlans.everyLayerKind(), 2);
        Map<String, float[]> some = new java.util.HashMap<>(ranges(p).ranges());
        some.remove("layers[2]");
        assertThatThrownBy(() -> OnnxExporter.int8(p, new ActivationRanges(some))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("activation ranges: none for tensor layers[2] (calibrate the same plan that is exported)");
        some.put("layers[2]", new float[] {0, Float.NaN});
        assertThatThrownBy(() -> OnnxExporter.int8(p, new ActivationRanges(some)))
                .hasMessage("activation ranges.layers[2]: [0.0, NaN] is not a finite range");
        // a conv's output read by its ReLU, and a sum read by a ReLU, are not quantized: the ReLU's output is
        assertThat(OnnxExporter.calibrationPoints(p)).containsExactly("input", "layers[2]", "layers[3].body[2]",
                "layers[3].body[3]", "layers[3]", "layers[5].body[0]", "layers[5].body[1]", "layers[5].shortcut[0]",
                "layers[6]", "layers[7]", "layers[8]", "layers[10]", "layers[12]");
    }

    @Test
    void aConvReadingFewChannelsStaysFloatWithItsReluAndPoolingAndIsQuantizedAfterThem() throws Exception {
        NetworkPlan p = plan(new long[] {1, 8, 8}, 4, new Conv(1, 8, 3, 1, true, null, null), new Norm(8, null, null, null, null),
                new Relu(), new Pool(true), new Conv(8, 8, 3, 1, true, null, null), new Relu(), new Flatten(),
                new Dense(128, 4, true, null, null));
        // one calibration serves U8 (the pooled float output is quantized) and S8 (every conv int8: the input and
        // the ReLU's output, whose code the pooling keeps)
        assertThat(OnnxExporter.calibrationPoints(p)).containsExactly("input", "layers[2]", "layers[5]", "layers[3]");
        OnnxMl.ModelProto m = parse(OnnxExporter.int8(p, ranges(p)));
        List<OnnxMl.NodeProto> nodes = m.getGraph().getNodeList();
        // float conv (norm folded) → max pooling → ReLU → QuantizeLinear: the pooling runs before the ReLU (the same
        // values), so ONNX Runtime does not move the quantize node above the pooling
        assertThat(nodes.subList(0, 4)).extracting(OnnxMl.NodeProto::getOpType).containsExactly("Conv", "MaxPool", "Relu", "QuantizeLinear");
        assertThat(nodes.subList(0, 4)).extracting(n -> n.getOutput(0)).containsExactly("layers[1]", "layers[2]", "layers[3]", "layers[3]/q");
        assertThat(nodes.get(0).getInput(0)).isEqualTo("input");
        assertThat(nodes.get(0).getInput(1)).isEqualTo("layers[0].weight");
        Map<String, OnnxMl.TensorProto> init = m.getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(OnnxMl.TensorProto::getName, t -> t));
        assertThat(init.get("layers[0].weight").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        assertThat(init.get("layers[4].weight_q").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.INT8.getNumber());
        // the fp32 graph keeps the plan's order
        assertThat(ops(parse(OnnxExporter.fp32(p))).subList(0, 3)).containsExactly("Conv", "Relu", "MaxPool");

        // with 4 input channels, with S8 activations, or with every conv quantized on request, the first conv is int8
        NetworkPlan four = plan(new long[] {4, 8, 8}, 4, new Conv(4, 8, 3, 1, true, null, null), new Relu(), new Flatten(),
                new Dense(512, 4, true, null, null));
        assertThat(OnnxExporter.calibrationPoints(four)).containsExactly("input", "layers[1]");
        assertThat(parse(OnnxExporter.int8(four, ranges(four))).getGraph().getInitializerList())
                .extracting(OnnxMl.TensorProto::getName).contains("layers[0].weight_q");
        assertThat(ops(parse(OnnxExporter.int8(p, ranges(p), OnnxExporter.Activations.U8, 0, false))).subList(0, 2))
                .containsExactly("QuantizeLinear", "DequantizeLinear");
        assertThat(ops(parse(OnnxExporter.int8(p, ranges(p), OnnxExporter.Activations.S8))).subList(0, 2))
                .as("S8 keeps every conv int8").containsExactly("QuantizeLinear", "DequantizeLinear");
    }

    @Test
    void calibrationSettingsAreChecked() {
        assertThatThrownBy(() -> OnnxExporter.Calibration.minMax(0, 32))
                .hasMessage("calibration: batches and batchSize must be ≥ 1 (got 0, 32)");
        assertThatThrownBy(() -> new OnnxExporter.Calibration(4, 32, 40))
                .hasMessage("calibration.percentile: must be in (50, 100] (got 40.0)");
        assertThatThrownBy(() -> new OnnxExporter.Calibration(4, 32, Double.NaN))
                .hasMessage("calibration.percentile: must be in (50, 100] (got NaN)");
    }
}
