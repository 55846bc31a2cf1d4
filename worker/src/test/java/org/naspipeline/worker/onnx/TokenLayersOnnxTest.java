package org.naspipeline.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.LayerNorm;
import org.naspipeline.worker.model.NetworkPlan.Patches;
import org.naspipeline.worker.model.NetworkPlan.TokenPool;

/**
 * The token layers (ViT-style) in ONNX Runtime against a plain float64 forward pass written from the plan kinds'
 * definitions, so the graph is checked independently of DJL.
 */
class TokenLayersOnnxTest {

    static Encoder encoder(int d, int heads, int headDim, int hidden, boolean preNorm) {
        int inner = heads * headDim;
        return new Encoder(heads, headDim, preNorm, 0.1, new LayerNorm(d, null, null), new Dense(d, inner, true, null, null),
                new Dense(d, inner, true, null, null), new Dense(d, inner, true, null, null), new Dense(inner, d, true, null, null),
                new LayerNorm(d, null, null), new Dense(d, hidden, true, null, null), new Dense(hidden, d, true, null, null));
    }

    /** (1, 8, 8) → 4 patches of 16 → width 8, class token, a pre-norm and a post-norm encoder, layer norm, class token → 3. */
    static NetworkPlan clsPlan() {
        return new NetworkPlan(new long[] {1, 8, 8}, 3, List.of(new Patches(1, 4), new Dense(16, 8, true, null, null),
                new Embed(4, 8, true, null, null), encoder(8, 2, 4, 16, true), encoder(8, 2, 4, 16, false),
                new LayerNorm(8, null, null), new TokenPool(true), new Dense(8, 3, true, null, null)));
    }

    /** (2, 4, 8) → 8 patches of 2·2·2 (two channels, a non-square image), no class token, a post-norm encoder, mean → 3. */
    static NetworkPlan meanPlan() {
        return new NetworkPlan(new long[] {2, 4, 8}, 3, List.of(new Patches(2, 2), new Dense(8, 8, true, null, null),
                new Embed(8, 8, false, null, null), encoder(8, 4, 2, 12, false), new TokenPool(false), new Dense(8, 3, true, null, null)));
    }

    /** Random weights: dense ±1.5/√in, layer-norm scales around 1, embeddings ±0.5. */
    static NetworkPlan withRandomWeights(NetworkPlan plan, long seed) {
        Random r = new Random(seed);
        IdentityHashMap<Layer, Layer> with = new IdentityHashMap<>();
        plan.forEachWeighted((path, layer) -> {
            if (layer instanceof Dense d) {
                with.put(d, d.with(TestPlans.uniform(r, d.in() * d.out(), 1.5 / Math.sqrt(d.in())), TestPlans.uniform(r, d.out(), 0.2)));
            } else if (layer instanceof LayerNorm n) {
                float[] gamma = TestPlans.uniform(r, n.width(), 0.3);
                for (int i = 0; i < gamma.length; i++) {
                    gamma[i] += 1;
                }
                with.put(n, new LayerNorm(n.width(), gamma, TestPlans.uniform(r, n.width(), 0.2)));
            } else if (layer instanceof Embed e) {
                with.put(e, new Embed(e.tokens(), e.width(), e.cls(), e.cls() ? TestPlans.uniform(r, e.width(), 0.5) : null,
                        TestPlans.uniform(r, e.outTokens() * e.width(), 0.5), e.vocabulary(),
                        e.looksUpIds() ? TestPlans.uniform(r, e.vocabulary() * e.width(), 1.0) : null));
            }
        });
        NetworkPlan out = plan.withReplaced(with);
        assertThat(out.hasWeights()).isTrue();
        return out;
    }

    // ---- the reference: one example, float64, loops straight from the definitions ----

    static double[] reference(NetworkPlan plan, float[] x, int example) {
        long[] s = plan.inputShape();
        int size = (int) java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b);
        double[] image = new double[size];
        for (int i = 0; i < size; i++) {
            image[i] = x[example * size + i];
        }
        Object v = image;
        double[] keep = null; // on token ids: 1 for a token, 0 for padding
        for (Layer layer : plan.layers()) {
            if (layer instanceof Embed e && e.looksUpIds()) {
                double[][] looked = new double[size][];
                keep = new double[e.outTokens()];
                for (int t = 0; t < size; t++) {
                    int id = (int) image[t];
                    looked[t] = new double[e.width()];
                    for (int j = 0; j < e.width(); j++) {
                        looked[t][j] = e.table()[id * e.width() + j];
                    }
                    keep[t + (e.cls() ? 1 : 0)] = id == 0 ? 0 : 1;
                }
                if (e.cls()) {
                    keep[0] = 1;
                }
                v = embed(e, looked);
                continue;
            }
            if (layer instanceof Patches p) {
                v = patches((double[]) v, (int) s[0], (int) s[1], (int) s[2], p.patch());
            } else if (layer instanceof Dense d) {
                v = v instanceof double[][] t ? dense(d, t) : dense(d, new double[][] {(double[]) v})[0];
            } else if (layer instanceof Embed e) {
                v = embed(e, (double[][]) v);
            } else if (layer instanceof Encoder e) {
                v = encoder(e, (double[][]) v, keep);
            } else if (layer instanceof LayerNorm n) {
                v = layerNorm(n, (double[][]) v);
            } else if (layer instanceof TokenPool t) {
                double[][] tokens = (double[][]) v;
                double[] pooled = new double[tokens[0].length];
                double kept = 0;
                for (int u = 0; u < tokens.length; u++) {
                    kept += keep == null ? 1 : keep[u];
                }
                for (int j = 0; j < pooled.length; j++) {
                    if (t.cls()) {
                        pooled[j] = tokens[0][j];
                    } else {
                        for (int u = 0; u < tokens.length; u++) {
                            pooled[j] += (keep == null ? 1 : keep[u]) * tokens[u][j] / Math.max(kept, 1);
                        }
                    }
                }
                v = pooled;
            } else {
                throw new AssertionError("no reference for " + layer);
            }
        }
        return (double[]) v;
    }

    /** Patch (i, j), row by row; each flattened channel-major: c, then row, then column inside the patch. */
    static double[][] patches(double[] image, int c, int h, int w, int p) {
        double[][] tokens = new double[(h / p) * (w / p)][c * p * p];
        for (int i = 0; i < h / p; i++) {
            for (int j = 0; j < w / p; j++) {
                double[] token = tokens[i * (w / p) + j];
                for (int ch = 0; ch < c; ch++) {
                    for (int a = 0; a < p; a++) {
                        for (int b = 0; b < p; b++) {
                            token[(ch * p + a) * p + b] = image[(ch * h + i * p + a) * w + j * p + b];
                        }
                    }
                }
            }
        }
        return tokens;
    }

    static double[][] dense(Dense d, double[][] x) {
        double[][] y = new double[x.length][d.out()];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < d.out(); o++) {
                double sum = d.hasBias() ? d.bias()[o] : 0;
                for (int i = 0; i < d.in(); i++) {
                    sum += (double) d.weight()[o * d.in() + i] * x[t][i];
                }
                y[t][o] = sum;
            }
        }
        return y;
    }

    static double[][] embed(Embed e, double[][] x) {
        int d = e.width();
        double[][] y = new double[e.outTokens()][d];
        for (int t = 0; t < y.length; t++) {
            for (int j = 0; j < d; j++) {
                double token = e.cls() ? (t == 0 ? e.clsToken()[j] : x[t - 1][j]) : x[t][j];
                y[t][j] = token + e.positions()[t * d + j];
            }
        }
        return y;
    }

    static double[][] layerNorm(LayerNorm n, double[][] x) {
        double[][] y = new double[x.length][n.width()];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v / n.width();
            }
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / n.width();
            }
            for (int j = 0; j < n.width(); j++) {
                y[t][j] = (x[t][j] - mean) / Math.sqrt(var + LayerNorm.EPSILON) * n.gamma()[j] + n.beta()[j];
            }
        }
        return y;
    }

    static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int t = 0; t < a.length; t++) {
            for (int j = 0; j < a[0].length; j++) {
                y[t][j] = a[t][j] + b[t][j];
            }
        }
        return y;
    }

    /** Attention where no query attends to a padding key ({@code keep[u]} 0; null: none is padding). */
    static double[][] attention(Encoder e, double[][] x, double[] keep) {
        double[][] q = dense(e.query(), x);
        double[][] k = dense(e.key(), x);
        double[][] v = dense(e.value(), x);
        int n = x.length;
        int hd = e.headDim();
        double[][] context = new double[n][e.heads() * hd];
        for (int h = 0; h < e.heads(); h++) {
            for (int t = 0; t < n; t++) {
                double[] scores = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u < n; u++) {
                    for (int j = 0; j < hd; j++) {
                        scores[u] += q[t][h * hd + j] * k[u][h * hd + j];
                    }
                    scores[u] /= Math.sqrt(hd);
                    max = Math.max(max, scores[u]);
                }
                double total = 0;
                for (int u = 0; u < n; u++) {
                    scores[u] = keep != null && keep[u] == 0 ? 0 : Math.exp(scores[u] - max);
                    total += scores[u];
                }
                for (int u = 0; u < n; u++) {
                    for (int j = 0; j < hd; j++) {
                        context[t][h * hd + j] += scores[u] / total * v[u][h * hd + j];
                    }
                }
            }
        }
        return dense(e.output(), context);
    }

    static double[][] mlp(Encoder e, double[][] x) {
        double[][] hidden = dense(e.fc1(), e.fc1First() == null ? x : dense(e.fc1First(), x));
        for (double[] row : hidden) {
            for (int j = 0; j < row.length; j++) {
                row[j] = 0.5 * row[j] * (1 + erf(row[j] / Math.sqrt(2)));
            }
        }
        return dense(e.fc2(), e.fc2First() == null ? hidden : dense(e.fc2First(), hidden));
    }

    static double[][] encoder(Encoder e, double[][] x, double[] keep) {
        if (e.preNorm()) {
            double[][] x1 = add(x, attention(e, layerNorm(e.norm1(), x), keep));
            return add(x1, mlp(e, layerNorm(e.norm2(), x1)));
        }
        double[][] x1 = layerNorm(e.norm1(), add(x, attention(e, x, keep)));
        return layerNorm(e.norm2(), add(x1, mlp(e, x1)));
    }

    /** erf to ~1e-16 by its Taylor series (|x| < 3) or the continued fraction of erfc (beyond). */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 60; n >= 1; n--) {
                f = n / 2.0 / (a + f);
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
        }
        return Math.signum(x) * r;
    }

    // ---- the tests ----

    static float[] inputs(NetworkPlan plan, int n, long seed) {
        long[] s = plan.inputShape();
        return TestPlans.gaussian(new Random(seed), (int) (n * s[0] * s[1] * s[2]));
    }

    static float[] run(byte[] model, float[] x, int n) {
        try (OnnxModel m = OnnxModel.load(model, "token layers", 1)) {
            return m.run(x, n);
        }
    }

    void assertMatchesReference(NetworkPlan plan) {
        int n = 5;
        float[] x = inputs(plan, n, 7);
        float[] logits = run(OnnxExporter.fp32(plan), x, n);
        assertThat(logits).hasSize(n * 3);
        for (int i = 0; i < n; i++) {
            double[] expected = reference(plan, x, i);
            for (int c = 0; c < 3; c++) {
                assertThat((double) logits[i * 3 + c]).as("example %d, class %d", i, c).isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void aClassTokenViTMatchesTheFloat64Reference() {
        assertMatchesReference(withRandomWeights(clsPlan(), 1));
    }

    @Test
    void aMeanPooledViTWithTwoChannelsAndANonSquareImageMatchesTheReference() {
        assertMatchesReference(withRandomWeights(meanPlan(), 2));
    }

    /** Low-rank factors of the patch embedding and of both encoders' MLP layers, each written as its own MatMul. */
    @Test
    void aLowRankViTMatchesTheReference() {
        NetworkPlan factorized = org.naspipeline.worker.compress.LowRank.factorize(withRandomWeights(clsPlan(), 3), 0.5, false).plan();
        assertThat(factorized.layers().stream().filter(l -> l instanceof Encoder e && e.factorized().size() == 2)).hasSize(2);
        assertMatchesReference(factorized);
    }

    @Test
    void theFp32GraphUsesStandardOpset17Ops() throws Exception {
        OnnxMl.ModelProto m = OnnxExporterTest.parse(OnnxExporter.fp32(withRandomWeights(clsPlan(), 1)));
        assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(17);
        List<String> ops = OnnxExporterTest.ops(m);
        assertThat(ops).contains("Reshape", "Transpose", "Expand", "Concat", "LayerNormalization", "MatMul", "Softmax", "Erf", "Gather")
                .doesNotContain("QuantizeLinear", "Gelu");
        assertThat(ops.stream().filter("LayerNormalization"::equals).count()).as("2 per encoder + 1").isEqualTo(5);
        assertThat(ops.stream().filter("Softmax"::equals).count()).isEqualTo(2);
        assertThat(OnnxExporterTest.ops(OnnxExporterTest.parse(OnnxExporter.fp32(withRandomWeights(meanPlan(), 2)))))
                .contains("ReduceMean").doesNotContain("Gather", "Expand");
    }

    @Test
    void int8QuantizesTheTokenDenseLayersPerChannelAndStaysCloseToFp32() throws Exception {
        NetworkPlan plan = withRandomWeights(clsPlan(), 3);
        int n = 64;
        float[] x = inputs(plan, n, 11);
        TensorData data = new TensorData(x, new float[n], n, plan.inputShape(), 3);
        ActivationRanges ranges = OnnxExporter.calibrate(plan, data, OnnxExporter.Calibration.minMax(2, 32), 1);
        // what the dense layers on tokens read: the patches, the pre-norm encoder's norms, the post-norm encoder's
        // input (the first encoder's output) and norm1, each encoder's attention context and GELU, the pooled token
        assertThat(ranges.ranges()).containsOnlyKeys("layers[0]", "layers[3].norm1", "layers[3].attention", "layers[3].norm2",
                "layers[3].gelu", "layers[3]", "layers[4].attention", "layers[4].norm1", "layers[4].gelu", "layers[6]");
        for (OnnxExporter.Activations activations : OnnxExporter.Activations.values()) {
            byte[] int8 = OnnxExporter.int8(plan, ranges, activations);
            OnnxMl.ModelProto m = OnnxExporterTest.parse(int8);
            Map<String, OnnxMl.TensorProto> init = m.getGraph().getInitializerList().stream()
                    .collect(Collectors.toMap(OnnxMl.TensorProto::getName, t -> t));
            for (String part : List.of("query", "key", "value", "output", "fc1", "fc2")) {
                assertThat(init.get("layers[3]." + part + ".weight_q").getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.INT8.getNumber());
            }
            assertThat(init.get("layers[1].weight_q").getDimsList()).as("(in, out)").containsExactly(16L, 8L);
            assertThat(init.get("layers[1].weight_scale").getDimsList()).containsExactly(8L);
            assertThat(init.get("layers[4].fc1.weight_q").getDimsList()).containsExactly(8L, 16L);

            try (OnnxModel loaded = OnnxModel.load(int8, "int8", 1)) {
                // the token dense layers run as int8 (DQ → MatMul fused), the classifier as QGemm; attention stays float
                assertThat(loaded.kernels()).contains("MatMulIntegerToFloat", "QGemm", "Softmax", "MatMul");
            }
            float[] fp32 = run(OnnxExporter.fp32(plan), x, n);
            float[] q = run(int8, x, n);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < fp32.length; i++) {
                scale = Math.max(scale, Math.abs(fp32[i]));
                worst = Math.max(worst, Math.abs(fp32[i] - q[i]));
            }
            // 8 quantized activations and 14 int8 weight tensors in series, each off by up to half a step (1/510
            // of its range): errors of a few percent of the logits' range are expected, 10 % would be a wrong graph
            assertThat(worst).as("%s: max |int8 − fp32| against max |logit| %s", activations, scale).isLessThan(0.1 * scale);
        }
    }

    @Test
    void tokenLayersOnTheWrongShapesAreNamed() {
        NetworkPlan ragged = withRandomWeights(new NetworkPlan(new long[] {1, 6, 8}, 3, List.of(new Patches(1, 4))), 1);
        assertThatThrownBy(() -> OnnxExporter.fp32(ragged)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[0]: patches4x4 over 1 channels reads shape [1, 6, 8]; it needs (1, height, width) with height and width multiples of 4");
        NetworkPlan wrongWidth = withRandomWeights(new NetworkPlan(new long[] {1, 8, 8}, 3, List.of(new Patches(1, 4),
                new Dense(16, 8, true, null, null), new Embed(4, 6, false, null, null))), 1);
        assertThatThrownBy(() -> OnnxExporter.fp32(wrongWidth)).isInstanceOf(UnexportableLayerException.class)
                .hasMessage("layers[2]: embedding of 4 tokens of 6 reads shape [4, 8]; it needs (4, 6) tokens");
        NetworkPlan untrained = new NetworkPlan(new long[] {1, 8, 8}, 3, List.of(new Patches(1, 4), new LayerNorm(16, null, null)));
        assertThatThrownBy(() -> OnnxExporter.fp32(untrained)).hasMessage("layers[1]: gamma is missing (the plan has no trained weights)");
    }
}
