package org.naspipeline.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.onnx.proto.OnnxMl;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Embed;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.LayerNorm;
import org.naspipeline.worker.model.NetworkPlan.TokenPool;

/**
 * The transformer on token ids (BERT-style): the table lookup, and padding (id 0) left out of attention and of mean
 * pooling, in DJL and in ONNX Runtime, each against the float64 reference of {@link TokenLayersOnnxTest}, and against
 * the same model on the unpadded sequence.
 */
class TokenIdsOnnxTest {
    private static final int VOCABULARY = 30;

    /** 6 ids, vocabulary 30, width 8, class token, a pre-norm and a post-norm encoder, layer norm, class token → 3. */
    static NetworkPlan clsPlan(int tokens) {
        return new NetworkPlan(new long[] {tokens}, 3, List.of(Embed.ofIds(tokens, 8, true, VOCABULARY),
                TokenLayersOnnxTest.encoder(8, 2, 4, 16, true), TokenLayersOnnxTest.encoder(8, 2, 4, 16, false),
                new LayerNorm(8, null, null), new TokenPool(true), new Dense(8, 3, true, null, null)));
    }

    /** As {@link #clsPlan} without a class token, one post-norm encoder, mean pooling. */
    static NetworkPlan meanPlan(int tokens) {
        return new NetworkPlan(new long[] {tokens}, 3, List.of(Embed.ofIds(tokens, 8, false, VOCABULARY),
                TokenLayersOnnxTest.encoder(8, 4, 2, 12, false), new TokenPool(false), new Dense(8, 3, true, null, null)));
    }

    /** n rows of ids: 1..T real ids (1..29), the rest 0, and in one row a 0 in the middle (a pre-padded user file). */
    static float[] ids(int n, int tokens, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * tokens];
        for (int i = 0; i < n; i++) {
            int length = 1 + r.nextInt(tokens);
            for (int t = 0; t < length; t++) {
                x[i * tokens + t] = 1 + r.nextInt(VOCABULARY - 1);
            }
        }
        x[tokens] = 0; // row 1 starts with padding
        x[tokens + 1] = Math.max(x[tokens + 1], 1);
        return x;
    }

    static void assertClose(float[] actual, double[] expected, int example, String what) {
        for (int c = 0; c < expected.length; c++) {
            assertThat((double) actual[example * expected.length + c]).as("%s: example %d, class %d", what, example, c)
                    .isCloseTo(expected[c], offset(1e-4));
        }
    }

    void assertDjlAndOnnxMatchTheReference(NetworkPlan plan) {
        int n = 6;
        int tokens = (int) plan.inputShape()[0];
        float[] x = ids(n, tokens, 5);
        float[] onnx = TokenLayersOnnxTest.run(OnnxExporter.fp32(plan), x, n);
        float[] djl = TestPlans.djlLogits(plan, x, n);
        for (int i = 0; i < n; i++) {
            double[] expected = TokenLayersOnnxTest.reference(plan, x, i);
            assertClose(onnx, expected, i, "ONNX");
            assertClose(djl, expected, i, "DJL");
        }
    }

    @Test
    void aClassTokenModelOnIdsMatchesTheFloat64ReferenceInDjlAndOnnx() {
        assertDjlAndOnnxMatchTheReference(TokenLayersOnnxTest.withRandomWeights(clsPlan(6), 1));
    }

    @Test
    void aMeanPooledModelOnIdsMatchesTheFloat64ReferenceInDjlAndOnnx() {
        assertDjlAndOnnxMatchTheReference(TokenLayersOnnxTest.withRandomWeights(meanPlan(6), 2));
    }

    /**
     * Padding changes nothing: a sequence of 3 ids padded to 6 gives the logits the same model (its first 3 positions)
     * gives on the 3 ids alone, under both poolings, in DJL and in ONNX Runtime.
     */
    @Test
    void paddingIsInvisible() {
        for (boolean cls : new boolean[] {true, false}) {
            NetworkPlan padded = TokenLayersOnnxTest.withRandomWeights(cls ? clsPlan(6) : meanPlan(6), 3);
            NetworkPlan unpadded = truncated(padded, 3);
            float[] three = {7, 21, 4};
            float[] six = {7, 21, 4, 0, 0, 0};
            float[] expected = TestPlans.djlLogits(unpadded, three, 1);
            assertThat(TestPlans.djlLogits(padded, six, 1)).as("DJL, class token %s", cls).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(TokenLayersOnnxTest.run(OnnxExporter.fp32(padded), six, 1)).as("ONNX, class token %s", cls)
                    .containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
            // and padding is not a no-op by accident: the same ids without the mask would differ
            float[] unmasked = TestPlans.djlLogits(padded, new float[] {7, 21, 4, 1, 1, 1}, 1);
            assertThat(unmasked).isNotEqualTo(expected);
        }
    }

    /** The plan for {@code tokens} ids: the same weights, the first positions only. */
    static NetworkPlan truncated(NetworkPlan plan, int tokens) {
        IdentityHashMap<Layer, Layer> with = new IdentityHashMap<>();
        for (Layer l : plan.layers()) {
            if (l instanceof Embed e) {
                float[] positions = java.util.Arrays.copyOf(e.positions(), (tokens + (e.cls() ? 1 : 0)) * e.width());
                with.put(e, new Embed(tokens, e.width(), e.cls(), e.clsToken(), positions, e.vocabulary(), e.table()));
            }
        }
        return new NetworkPlan(new long[] {tokens}, plan.classes(), plan.withReplaced(with).layers());
    }

    @Test
    void theTableIsAGatherAndStaysFloatUnderInt8() throws Exception {
        NetworkPlan plan = TokenLayersOnnxTest.withRandomWeights(clsPlan(6), 4);
        List<String> ops = OnnxExporterTest.ops(OnnxExporterTest.parse(OnnxExporter.fp32(plan)));
        assertThat(ops).contains("Cast", "Equal", "Not", "Gather", "Softmax").doesNotContain("QuantizeLinear");
        int n = 64;
        float[] x = ids(n, 6, 9);
        TensorData data = new TensorData(x, new float[n], n, plan.inputShape(), 3, VOCABULARY);
        ActivationRanges ranges = OnnxExporter.calibrate(plan, data, OnnxExporter.Calibration.minMax(2, 32), 1);
        assertThat(ranges.ranges()).doesNotContainKey("input");
        byte[] int8 = OnnxExporter.int8(plan, ranges, OnnxExporter.Activations.S8);
        Map<String, OnnxMl.TensorProto> init = OnnxExporterTest.parse(int8).getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(OnnxMl.TensorProto::getName, t -> t));
        assertThat(init.get("layers[0].table").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        assertThat(init.get("layers[0].table").getDimsList()).containsExactly((long) VOCABULARY, 8L);
        assertThat(init.get("layers[1].query.weight_q").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.INT8.getNumber());
        float[] fp32 = TokenLayersOnnxTest.run(OnnxExporter.fp32(plan), x, n);
        float[] q = TokenLayersOnnxTest.run(int8, x, n);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < fp32.length; i++) {
            scale = Math.max(scale, Math.abs(fp32[i]));
            worst = Math.max(worst, Math.abs(fp32[i] - q[i]));
        }
        assertThat(worst).as("max |int8 − fp32| against max |logit| %s", scale).isLessThan(0.1 * scale);
    }

    @Test
    void idsOfTheWrongShapeAreNamed() {
        NetworkPlan plan = TokenLayersOnnxTest.withRandomWeights(clsPlan(6), 1);
        NetworkPlan wrong = new NetworkPlan(new long[] {5}, 3, plan.layers());
        assertThatThrownBy(() -> OnnxExporter.fp32(wrong)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[0]: embedding(30 ids → 6 tokens + class token, 8) reads shape [5]; it needs (6) token ids");
        NetworkPlan untrained = clsPlan(6);
        assertThatThrownBy(() -> OnnxExporter.fp32(untrained)).hasMessage("layers[0]: positions is missing (the plan has no trained weights)");
    }
}
