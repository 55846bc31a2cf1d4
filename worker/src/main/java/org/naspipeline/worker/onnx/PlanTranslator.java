package org.naspipeline.worker.onnx;

import static org.naspipeline.worker.onnx.OnnxGraph.integer;
import static org.naspipeline.worker.onnx.OnnxGraph.ints;
import static org.naspipeline.worker.onnx.OnnxGraph.real;

import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.naspipeline.worker.compress.Quantizer;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Embed;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.LayerNorm;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Patches;
import org.naspipeline.worker.model.NetworkPlan.Pool;
import org.naspipeline.worker.model.NetworkPlan.Residual;
import org.naspipeline.worker.model.NetworkPlan.TokenPool;
import org.naspipeline.worker.model.attention.MultiHeadAttention;

/**
 * Walks a plan and writes its ONNX graph, tracking each activation's shape so that a layer the graph cannot
 * express is reported at its path. Every op output is first a float tensor named after the layer's path; a
 * consumer that wants it quantized calls {@link #quantized}, which in int8 mode adds QuantizeLinear →
 * DequantizeLinear with the calibrated code (and in fp32 mode records the tensor as a calibration point). ReLU
 * reads its input unquantized, so a conv or dense layer followed by ReLU gets one Q after the ReLU, the pattern
 * ONNX Runtime fuses into QLinearConv / QGemm. Max pooling and flatten keep their input's code. In U8 mode an
 * ungrouped conv with fewer than {@link #FLOAT_CONV_INPUTS_BELOW} input channels stays float (its int8 kernel is
 * slower than the float one), and so do the ReLU, pooling and flatten after it, a ReLU → max pooling pair written
 * pooling first so that ONNX Runtime does not move the next QuantizeLinear above the pooling (docs/onnx.md).
 * Token values (transformer family) have dims (T, D); only their dense layers are quantized (see the token
 * layers' section below).
 */
final class PlanTranslator {
    /** DJL's batch-norm epsilon. */
    static final float BN_EPSILON = 1e-5f;

    private final OnnxGraph graph = new OnnxGraph();
    private final ActivationRanges ranges;
    private final boolean unsignedActivations;
    /**
     * In the int8 graph an ungrouped conv with fewer input channels than this stays float, with the ReLU, pooling
     * and flatten after it; the first consumer that is quantized quantizes its output (see docs/onnx.md).
     */
    static final int FLOAT_CONV_INPUTS_BELOW = 4;

    private final int floatConvInputsBelow;
    /**
     * In the int8 graph a float ReLU → max pooling pair is written as max pooling → ReLU (the same values), so
     * that the QuantizeLinear after it is not moved above the pooling by ONNX Runtime's QDQ propagation.
     */
    private final boolean poolBeforeRelu;
    private final List<String> calibrationPoints = new ArrayList<>();
    /**
     * On token ids, from the embedding on: the (N, T) keep mask (1 a token, 0 padding) and its (N, 1, 1, T) score
     * bias for attention (0 or −{@link MultiHeadAttention#PADDING_SCORE}); null otherwise.
     */
    private String keep;
    private String keyBias;

    /** An activation: its float tensor, shape without the batch, and once quantized its DQ output and code. */
    private static final class Value {
        final String name;
        final long[] dims;
        final Value codeOf;
        /** A float activation of a layer kept in float: float consumers read it as is, a quantized one adds its own Q. */
        boolean floating;
        String dequantized;
        QuantParams code;

        Value(String name, long[] dims, Value codeOf) {
            this.name = name;
            this.dims = dims;
            this.codeOf = codeOf;
        }
    }

    /**
     * A translator writing an fp32 graph ({@code ranges} null) or an int8 QDQ graph with those activation codes,
     * activations signed (S8S8) or {@code unsignedActivations} (U8S8); weights are always signed.
     */
    PlanTranslator(ActivationRanges ranges, boolean unsignedActivations) {
        this(ranges, unsignedActivations, unsignedActivations ? FLOAT_CONV_INPUTS_BELOW : 0, true);
    }

    /**
     * As above, keeping ungrouped convs with fewer than {@code floatConvInputsBelow} input channels float (0: none)
     * and writing float ReLU → max pooling pairs pooling first when {@code poolBeforeRelu} (for measurements).
     */
    PlanTranslator(ActivationRanges ranges, boolean unsignedActivations, int floatConvInputsBelow, boolean poolBeforeRelu) {
        this.ranges = ranges;
        this.unsignedActivations = unsignedActivations;
        this.floatConvInputsBelow = floatConvInputsBelow;
        this.poolBeforeRelu = poolBeforeRelu;
    }

    private static Value floating(Value v, boolean floating) {
        v.floating = floating;
        return v;
    }

    /** The graph of {@code plan}, its output renamed to {@code logits}, each tensor in {@code expose} an extra output (for calibration). */
    byte[] translate(NetworkPlan plan, List<String> expose) {
        for (long d : plan.inputShape()) {
            if (d < 1) {
                throw new UnexportableLayerException("inputShape", "dimensions must be ≥ 1 (got " + Arrays.toString(plan.inputShape()) + ")");
            }
        }
        if (plan.inputShape().length != 3 && plan.inputShape().length != 1) {
            throw new UnexportableLayerException("inputShape", "must be (channels, height, width) or (features), got "
                    + Arrays.toString(plan.inputShape()));
        }
        graph.input("input", plan.inputShape());
        Value out = sequence("layers", plan.layers(), new Value("input", plan.inputShape(), null));
        if (out.dims.length != 1 || out.dims[0] != plan.classes()) {
            throw new UnexportableLayerException("layers", "the network ends in shape " + Arrays.toString(out.dims)
                    + ", not the " + plan.classes() + " class scores");
        }
        graph.node("Identity", List.of(out.name), "logits");
        graph.output("logits", new long[] {plan.classes()});
        for (String p : expose) {
            graph.output(p, null);
        }
        return graph.model(ranges == null ? "fp32" : "int8 QDQ (" + (unsignedActivations ? "U8S8" : "S8S8") + ", per-channel weights)");
    }

    /** The tensors whose ranges an int8 export needs, in graph order ({@code input} first when used). */
    List<String> calibrationPoints() {
        return List.copyOf(calibrationPoints);
    }

    /**
     * The layers in order. Two pairs are translated together first (a conv and the batch norm after it, folded into
     * the conv; under int8, a ReLU and the max pooling after it, swapped); every other layer is one case of
     * {@link LayerNodes}.
     */
    private Value sequence(String prefix, List<Layer> layers, Value in) {
        Value v = in;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            String path = prefix + "[" + i + "]";
            Layer next = i + 1 < layers.size() ? layers.get(i + 1) : null;
            if (layer instanceof Conv c && next instanceof Norm n && n.channels() == c.out()) {
                i++;
                v = conv(path, c, n, prefix + "[" + i + "]", v);
            } else if (layer instanceof NetworkPlan.Relu && next instanceof Pool p && p.max() && v.floating && poolBeforeRelu
                    && ranges != null && v.dims.length == 3 && v.dims[1] >= 2 && v.dims[2] >= 2) {
                // max(relu(x)) = relu(max(x)): the pooled tensor keeps the name (and calibrated range) of the pooling
                String pooledPath = prefix + "[" + (i + 1) + "]";
                String pooled = graph.node("MaxPool", List.of(v.name), path, ints("kernel_shape", 2, 2), ints("strides", 2, 2));
                v = floating(new Value(graph.node("Relu", List.of(pooled), pooledPath), new long[] {v.dims[0], v.dims[1] / 2, v.dims[2] / 2}, null), true);
                i++;
            } else {
                v = layer.accept(new LayerNodes(path, v));
            }
        }
        return v;
    }

    /** The ONNX nodes of one layer at {@code path} on the value {@code in}; returns the layer's output value. */
    private final class LayerNodes implements NetworkPlan.Cases<Value> {
        private final String path;
        private final Value in;

        LayerNodes(String path, Value in) {
            this.path = path;
            this.in = in;
        }

        @Override
        public Value conv(Conv c) {
            return PlanTranslator.this.conv(path, c, null, path, in);
        }

        @Override
        public Value dense(Dense d) {
            return PlanTranslator.this.dense(path, d, in);
        }

        @Override
        public Value norm(Norm n) {
            return PlanTranslator.this.norm(path, n, in);
        }

        @Override
        public Value relu(NetworkPlan.Relu relu) {
            return floating(new Value(graph.node("Relu", List.of(in.name), path), in.dims, null), in.floating);
        }

        @Override
        public Value pool(Pool p) {
            return PlanTranslator.this.pool(path, p, in);
        }

        @Override
        public Value flatten(NetworkPlan.Flatten flatten) {
            if (in.dims.length == 1) {
                return in;
            }
            long features = Arrays.stream(in.dims).reduce(1, (a, b) -> a * b);
            return in.floating
                    ? floating(new Value(graph.node("Flatten", List.of(in.name), path, integer("axis", 1)), new long[] {features}, null), true)
                    : new Value(graph.node("Flatten", List.of(quantized(in)), path, integer("axis", 1)), new long[] {features}, in);
        }

        @Override
        public Value dropout(NetworkPlan.Dropout dropout) {
            return in; // inference: the identity
        }

        @Override
        public Value residual(Residual r) {
            return PlanTranslator.this.residual(path, r, in);
        }

        @Override
        public Value patches(Patches p) {
            return PlanTranslator.this.patches(path, p, in);
        }

        @Override
        public Value embed(Embed e) {
            return PlanTranslator.this.embed(path, e, in);
        }

        @Override
        public Value layerNorm(LayerNorm n) {
            return PlanTranslator.this.layerNorm(path, n, in, path);
        }

        @Override
        public Value encoder(Encoder e) {
            return PlanTranslator.this.encoder(path, e, in);
        }

        @Override
        public Value tokenPool(TokenPool t) {
            return PlanTranslator.this.tokenPool(path, t, in);
        }
    }

    private Value residual(String path, Residual r, Value in) {
        Value body = sequence(path + ".body", r.body(), in);
        Value shortcut = r.shortcut().isEmpty() ? in : sequence(path + ".shortcut", r.shortcut(), in);
        if (!Arrays.equals(body.dims, shortcut.dims)) {
            throw new UnexportableLayerException(path, "the body gives shape " + Arrays.toString(body.dims)
                    + " but the shortcut " + Arrays.toString(shortcut.dims) + "; they cannot be added");
        }
        return new Value(graph.node("Add", List.of(quantized(body), quantized(shortcut)), path), body.dims, null);
    }

    private Value pool(String path, Pool p, Value in) {
        if (in.dims.length != 3 || in.dims[1] < 2 || in.dims[2] < 2) {
            throw new UnexportableLayerException(path, "2×2 pooling needs a feature map of at least 2×2, got shape "
                    + Arrays.toString(in.dims));
        }
        long[] dims = {in.dims[0], in.dims[1] / 2, in.dims[2] / 2};
        String out = graph.node(p.max() ? "MaxPool" : "AveragePool", List.of(in.floating ? in.name : quantized(in)), path,
                ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        return floating(new Value(out, dims, p.max() && !in.floating ? in : null), in.floating);
    }

    private Value norm(String path, Norm n, Value in) {
        if (in.dims.length < 1 || in.dims[0] != n.channels()) {
            throw new UnexportableLayerException(path, "batch norm over " + n.channels() + " channels reads shape "
                    + Arrays.toString(in.dims));
        }
        float[][] p = {n.gamma(), n.beta(), n.mean(), n.var()};
        String[] names = {"gamma", "beta", "mean", "var"};
        List<String> inputs = new ArrayList<>(List.of(in.floating ? in.name : quantized(in)));
        for (int j = 0; j < 4; j++) {
            check(path + "." + names[j], p[j], n.channels());
            inputs.add(graph.floats(path + "." + names[j], p[j], n.channels()));
        }
        return floating(new Value(graph.node("BatchNormalization", inputs, path, real("epsilon", BN_EPSILON)), in.dims, null), in.floating);
    }

    private Value conv(String path, Conv c, Norm fold, String outPath, Value in) {
        if (in.dims.length != 3 || in.dims[0] != c.in()) {
            throw new UnexportableLayerException(path, c + " reads shape " + Arrays.toString(in.dims)
                    + "; it needs (" + c.in() + ", height, width)");
        }
        if (c.groups() < 1 || c.in() % c.groups() != 0 || c.out() % c.groups() != 0 || c.kernel() < 1) {
            throw new UnexportableLayerException(path, c + ": groups " + c.groups() + " must divide both channel counts");
        }
        check(path + ".weight", c.weight(), c.weightCount());
        float[] bias = c.hasBias() ? check(path + ".bias", c.bias(), c.out()) : null;
        float[] weight = c.weight();
        if (fold != null) {
            String at = outPath;
            float[] scale = new float[c.out()];
            float[] mean = check(at + ".mean", fold.mean(), c.out());
            float[] beta = check(at + ".beta", fold.beta(), c.out());
            float[] var = check(at + ".var", fold.var(), c.out());
            float[] gamma = check(at + ".gamma", fold.gamma(), c.out());
            weight = weight.clone();
            float[] folded = new float[c.out()];
            for (int o = 0; o < c.out(); o++) {
                scale[o] = (float) (gamma[o] / Math.sqrt((double) var[o] + BN_EPSILON));
                for (int j = 0; j < c.filterSize(); j++) {
                    weight[o * c.filterSize() + j] *= scale[o];
                }
                folded[o] = (float) (((bias == null ? 0 : bias[o]) - (double) mean[o]) * scale[o] + beta[o]);
            }
            bias = folded;
        }
        int k = c.kernel();
        long[] wDims = {c.out(), c.in() / c.groups(), k, k};
        boolean keepFloat = c.groups() == 1 && c.in() < floatConvInputsBelow;
        List<String> inputs = keepFloat ? floatInputs(path, in.name, weight, wDims, bias) : weighted(path, in, weight, wDims, bias);
        String out = graph.node("Conv", inputs, outPath, ints("kernel_shape", k, k), ints("strides", 1, 1),
                ints("pads", k / 2, k / 2, k / 2, k / 2), integer("group", c.groups()));
        // DJL pads k/2 on both sides: odd kernels keep the size, even ones grow it by one
        long h = in.dims[1] + 2L * (k / 2) - k + 1;
        long w = in.dims[2] + 2L * (k / 2) - k + 1;
        return floating(new Value(out, new long[] {c.out(), h, w}, null), keepFloat);
    }

    private Value dense(String path, Dense d, Value in) {
        if (in.dims.length == 2 && in.dims[1] == d.in()) {
            return tokenDense(path, d, in);
        }
        if (in.dims.length != 1 || in.dims[0] != d.in()) {
            throw new UnexportableLayerException(path, d + " reads shape " + Arrays.toString(in.dims)
                    + "; it needs (" + d.in() + ") features (a flatten before it)");
        }
        check(path + ".weight", d.weight(), d.in() * d.out());
        float[] bias = d.hasBias() ? check(path + ".bias", d.bias(), d.out()) : null;
        List<String> inputs = weighted(path, in, d.weight(), new long[] {d.out(), d.in()}, bias);
        return new Value(graph.node("Gemm", inputs, path, integer("transB", 1)), new long[] {d.out()}, null);
    }

    // ---- token layers (ViT-style): values of dims (T, D), the batch in front at run time ----
    //
    // fp32: every op is standard opset 17 (LayerNormalization is 17's; Gelu only arrives in 20, so GELU is
    // written with Erf). int8: the dense layers on tokens (the patch embedding and the encoder's query, key,
    // value, output, fc1, fc2) read a QDQ activation and per-output-channel int8 weights behind a DequantizeLinear
    // (axis 1 of the transposed (in, out) weight), as conv and Gemm do; their bias is a float Add after the MatMul.
    // Everything else on tokens stays float inside the int8 graph: patch reshaping, embeddings, layer norms,
    // attention scores, softmax, the weighted sum of values, GELU, the residual sums and token pooling.

    private Value patches(String path, Patches p, Value in) {
        int k = p.patch();
        if (in.dims.length != 3 || in.dims[0] != p.channels() || k < 1 || in.dims[1] % k != 0 || in.dims[2] % k != 0) {
            throw new UnexportableLayerException(path, p + " over " + p.channels() + " channels reads shape "
                    + Arrays.toString(in.dims) + "; it needs (" + p.channels() + ", height, width) with height and width multiples of " + k);
        }
        long gh = in.dims[1] / k;
        long gw = in.dims[2] / k;
        // (C, H, W) → (C, H/p, p, W/p, p) → (H/p, W/p, C, p, p) → (T, C·p·p); the 0 keeps the batch dimension
        String grid = graph.node("Reshape", List.of(in.name, shape(path + "/grid_shape", 0, p.channels(), gh, k, gw, k)), path + "/grid");
        String moved = graph.node("Transpose", List.of(grid), path + "/transposed", ints("perm", 0, 2, 4, 1, 3, 5));
        String out = graph.node("Reshape", List.of(moved, shape(path + "/tokens_shape", 0, gh * gw, p.features())), path);
        return floating(new Value(out, new long[] {gh * gw, p.features()}, null), true);
    }

    private Value embed(String path, Embed e, Value in) {
        int d = e.width();
        int t = e.outTokens();
        float[] positions = check(path + ".positions", e.positions(), t * d);
        String x = in.name;
        if (e.looksUpIds()) {
            if (in.dims.length != 1 || in.dims[0] != e.tokens()) {
                throw new UnexportableLayerException(path, e + " reads shape " + Arrays.toString(in.dims) + "; it needs ("
                        + e.tokens() + ") token ids");
            }
            // the ids arrive as floats, like every input: Cast, look each up in the table; 0 pads
            String ids = graph.node("Cast", List.of(x), path + "/ids", integer("to", TensorProto.DataType.INT64.getNumber()));
            String padding = graph.node("Equal", List.of(ids, graph.int64s(path + "/padding_id", new long[] {0})), path + "/padding");
            keep = graph.node("Cast", List.of(graph.node("Not", List.of(padding), path + "/kept")), path + "/keep",
                    integer("to", TensorProto.DataType.FLOAT.getNumber()));
            x = graph.node("Gather", List.of(graph.floats(path + ".table", check(path + ".table", e.table(), e.vocabulary() * d),
                    e.vocabulary(), d), ids), path + "/looked_up", integer("axis", 0));
        } else {
            tokens(path, "embedding of " + e.tokens() + " tokens of " + e.width(), in, e.tokens(), e.width());
        }
        if (e.cls()) {
            float[] cls = check(path + ".cls", e.clsToken(), d);
            // the class token broadcast to (N, 1, D), N read from the input, then put first
            String batch = graph.node("Shape", List.of(in.name), path + "/batch", integer("start", 0), integer("end", 1));
            String target = graph.node("Concat", List.of(batch, shape(path + "/cls_tail", 1, d)), path + "/cls_shape", integer("axis", 0));
            String token = graph.node("Expand", List.of(graph.floats(path + ".cls", cls, 1, 1, d), target), path + "/cls");
            x = graph.node("Concat", List.of(token, x), path + "/with_cls", integer("axis", 1));
            if (keep != null) { // the class token is never padding
                String ones = graph.node("Expand", List.of(graph.floats(path + "/cls_keep_one", new float[] {1f}, 1, 1),
                        graph.node("Concat", List.of(batch, shape(path + "/cls_keep_tail", 1)), path + "/cls_keep_shape",
                                integer("axis", 0))), path + "/cls_keep");
                keep = graph.node("Concat", List.of(ones, keep), path + "/keep_with_cls", integer("axis", 1));
            }
        }
        if (keep != null) {
            String dropped = graph.node("Sub", List.of(keep, graph.floats(path + "/one", new float[] {1f})), path + "/keep_minus_one");
            String scaled = graph.node("Mul", List.of(dropped, graph.floats(path + "/padding_score",
                    new float[] {(float) MultiHeadAttention.PADDING_SCORE})), path + "/key_bias_rows");
            keyBias = graph.node("Reshape", List.of(scaled, shape(path + "/key_bias_shape", 0, 1, 1, -1)), path + "/key_bias");
        }
        String out = graph.node("Add", List.of(x, graph.floats(path + ".positions", positions, t, d)), path);
        return floating(new Value(out, new long[] {t, d}, null), true);
    }

    /** LayerNormalization over the last axis (ε {@link LayerNorm#EPSILON}), its output named {@code out}. */
    private Value layerNorm(String path, LayerNorm n, Value in, String out) {
        if (in.dims.length < 1 || in.dims[in.dims.length - 1] != n.width()) {
            throw new UnexportableLayerException(path, n + " reads shape " + Arrays.toString(in.dims) + "; its last dimension must be " + n.width());
        }
        String gamma = graph.floats(path + ".gamma", check(path + ".gamma", n.gamma(), n.width()), n.width());
        String beta = graph.floats(path + ".beta", check(path + ".beta", n.beta(), n.width()), n.width());
        String y = graph.node("LayerNormalization", List.of(in.name, gamma, beta), out, integer("axis", -1), real("epsilon", LayerNorm.EPSILON));
        return floating(new Value(y, in.dims, null), true);
    }

    /** An encoder layer; its parts' shapes fit together (the {@link Encoder} record checks them when it is made). */
    private Value encoder(String path, Encoder e, Value in) {
        tokens(path, e.toString(), in, in.dims.length == 2 ? in.dims[0] : -1, e.width());
        Value x = in;
        if (e.preNorm()) {
            Value attended = attention(path, e, layerNorm(path + ".norm1", e.norm1(), x, path + ".norm1"));
            Value x1 = sum(x, attended, path + "/attention_sum");
            Value mlp = mlp(path, e, layerNorm(path + ".norm2", e.norm2(), x1, path + ".norm2"));
            return sum(x1, mlp, path);
        }
        Value x1 = layerNorm(path + ".norm1", e.norm1(), sum(x, attention(path, e, x), path + "/attention_sum"), path + ".norm1");
        return layerNorm(path + ".norm2", e.norm2(), sum(x1, mlp(path, e, x1), path + "/mlp_sum"), path);
    }

    /** Multi-head self-attention with its output projection: (T, D) → (T, D). */
    private Value attention(String path, Encoder e, Value x) {
        long h = e.heads();
        long hd = e.headDim();
        String q = tokenDense(path + ".query", e.query(), x).name;
        String k = tokenDense(path + ".key", e.key(), x).name;
        String v = tokenDense(path + ".value", e.value(), x).name;
        // (N, T, H·d) → (N, T, H, d) → (N, H, T, d); head h is columns h·d … (h+1)·d − 1
        String qh = graph.node("Transpose", List.of(graph.node("Reshape", List.of(q, shape(path + "/query_heads_shape", 0, 0, h, hd)),
                path + "/query_heads_split")), path + "/query_heads", ints("perm", 0, 2, 1, 3));
        String kt = graph.node("Transpose", List.of(graph.node("Reshape", List.of(k, shape(path + "/key_heads_shape", 0, 0, h, hd)),
                path + "/key_heads_split")), path + "/key_heads_t", ints("perm", 0, 2, 3, 1));
        String vh = graph.node("Transpose", List.of(graph.node("Reshape", List.of(v, shape(path + "/value_heads_shape", 0, 0, h, hd)),
                path + "/value_heads_split")), path + "/value_heads", ints("perm", 0, 2, 1, 3));
        String scores = graph.node("MatMul", List.of(qh, kt), path + "/scores_raw");
        String scaled = graph.node("Div", List.of(scores, graph.floats(path + "/sqrt_head_dim", new float[] {(float) Math.sqrt(hd)})), path + "/scores");
        if (keyBias != null) { // padding keys get no weight
            scaled = graph.node("Add", List.of(scaled, keyBias), path + "/scores_masked");
        }
        String weights = graph.node("Softmax", List.of(scaled), path + "/attention_weights", integer("axis", -1));
        String context = graph.node("MatMul", List.of(weights, vh), path + "/context_heads");
        // (N, H, T, d) → (N, T, H, d) → (N, T, H·d): the heads concatenated in order
        String merged = graph.node("Reshape", List.of(graph.node("Transpose", List.of(context), path + "/context_t", ints("perm", 0, 2, 1, 3)),
                shape(path + "/context_shape", 0, 0, h * hd)), path + ".attention");
        return tokenDense(path + ".output", e.output(), new Value(merged, new long[] {x.dims[0], h * hd}, null));
    }

    /** fc2(GELU(fc1(x))), GELU exact: 0.5·x·(1 + erf(x/√2)); a factorized layer is its first factor, then the second. */
    private Value mlp(String path, Encoder e, Value x) {
        Value in1 = e.fc1First() == null ? x : tokenDense(path + ".fc1.first", e.fc1First(), x);
        Value f1 = tokenDense(path + ".fc1", e.fc1(), in1);
        String erf = graph.node("Erf", List.of(graph.node("Div", List.of(f1.name, graph.floats(path + "/sqrt2", new float[] {(float) Math.sqrt(2)})),
                path + "/gelu_scaled")), path + "/gelu_erf");
        String plusOne = graph.node("Add", List.of(erf, graph.floats(path + "/one", new float[] {1f})), path + "/gelu_erf_plus_one");
        String times = graph.node("Mul", List.of(f1.name, plusOne), path + "/gelu_product");
        String gelu = graph.node("Mul", List.of(times, graph.floats(path + "/half", new float[] {0.5f})), path + ".gelu");
        Value hidden = new Value(gelu, f1.dims, null);
        Value in2 = e.fc2First() == null ? hidden : tokenDense(path + ".fc2.first", e.fc2First(), hidden);
        return tokenDense(path + ".fc2", e.fc2(), in2);
    }

    /** A float residual sum of two token values of the same shape. */
    private Value sum(Value a, Value b, String out) {
        return floating(new Value(graph.node("Add", List.of(a.name, b.name), out), a.dims, null), true);
    }

    private Value tokenPool(String path, TokenPool t, Value in) {
        if (in.dims.length != 2) {
            throw new UnexportableLayerException(path, t + " reads shape " + Arrays.toString(in.dims) + "; it needs (tokens, width)");
        }
        String out;
        if (t.cls()) {
            out = graph.node("Gather", List.of(in.name, graph.int64s(path + "/first", new long[] {0})), path, integer("axis", 1));
        } else if (keep == null) {
            out = graph.node("ReduceMean", List.of(in.name), path, ints("axes", 1), integer("keepdims", 0));
        } else { // the mean over the kept tokens: Σ x·keep / max(Σ keep, 1)
            String weighted = graph.node("Mul", List.of(in.name, graph.node("Reshape", List.of(keep, shape(path + "/keep_column_shape", 0, -1, 1)),
                    path + "/keep_column")), path + "/kept_tokens");
            String sum = graph.node("ReduceSum", List.of(weighted, graph.int64s(path + "/token_axis", new long[] {1}, 1)), path + "/kept_sum",
                    integer("keepdims", 0));
            String count = graph.node("ReduceSum", List.of(keep, graph.int64s(path + "/keep_axis", new long[] {1}, 1)), path + "/kept_count",
                    integer("keepdims", 1));
            String atLeastOne = graph.node("Max", List.of(count, graph.floats(path + "/one", new float[] {1f})), path + "/kept_count_or_one");
            out = graph.node("Div", List.of(sum, atLeastOne), path);
        }
        return floating(new Value(out, new long[] {in.dims[1]}, null), true);
    }

    /**
     * A dense layer on each token: MatMul with the transposed (in, out) weight, then Add of the bias. In int8 mode the
     * input is Q → DQ and the weight per output channel symmetric int8 ({@link Quantizer#perChannel}) behind a
     * DequantizeLinear on axis 1; the bias stays float.
     */
    private Value tokenDense(String path, Dense d, Value in) {
        if (in.dims.length != 2 || in.dims[1] != d.in()) {
            throw new UnexportableLayerException(path, d + " reads shape " + Arrays.toString(in.dims) + "; it needs (tokens, " + d.in() + ")");
        }
        check(path + ".weight", d.weight(), d.in() * d.out());
        float[] bias = d.hasBias() ? check(path + ".bias", d.bias(), d.out()) : null;
        String x = quantized(in);
        String w;
        if (ranges == null) {
            w = graph.floats(path + ".weight", transpose(d.weight(), d.out(), d.in()), d.in(), d.out());
        } else {
            Quantizer.Symmetric q = Quantizer.perChannel(d.weight(), d.out());
            float[] scales = q.scales().clone();
            for (int o = 0; o < scales.length; o++) {
                if (scales[o] == 0) {
                    scales[o] = 1f; // an all-zero channel: every code is 0 anyway
                }
            }
            byte[] codes = new byte[d.in() * d.out()];
            for (int o = 0; o < d.out(); o++) {
                for (int i = 0; i < d.in(); i++) {
                    codes[i * d.out() + o] = q.codes()[o * d.in() + i];
                }
            }
            String s = graph.floats(path + ".weight_scale", scales, d.out());
            w = graph.node("DequantizeLinear", List.of(graph.int8s(path + ".weight_q", codes, d.in(), d.out()), s,
                    graph.int8s(path + ".weight_zero_point", new byte[d.out()], d.out())), path + ".weight", integer("axis", 1));
        }
        String product = graph.node("MatMul", List.of(x, w), bias == null ? path : path + "/matmul");
        String out = bias == null ? product : graph.node("Add", List.of(product, graph.floats(path + ".bias", bias, d.out())), path);
        return new Value(out, new long[] {in.dims[0], d.out()}, null);
    }

    /** Checks that {@code in} is (tokens, width) tokens ({@code tokens} −1: any number). */
    private static void tokens(String path, String what, Value in, long tokens, long width) {
        if (in.dims.length != 2 || tokens >= 0 && in.dims[0] != tokens || in.dims[1] != width) {
            throw new UnexportableLayerException(path, what + " reads shape " + Arrays.toString(in.dims) + "; it needs ("
                    + (tokens >= 0 ? tokens : "tokens") + ", " + width + ") tokens");
        }
    }

    /** An int64 shape constant for Reshape (0: keep the input's dimension). */
    private String shape(String name, long... dims) {
        return graph.int64s(name, dims, dims.length);
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    /**
     * The inputs of a conv or Gemm: activation, weight and optional bias; in int8 mode the weight per output
     * channel symmetric int8 ({@link Quantizer#perChannel}) and the bias int32 at scale {@code x_scale · w_scale},
     * each behind a DequantizeLinear on axis 0.
     */
    private List<String> weighted(String path, Value in, float[] weight, long[] wDims, float[] bias) {
        int out = (int) wDims[0];
        String x = quantized(in);
        if (ranges == null) {
            return floatInputs(path, x, weight, wDims, bias);
        }
        List<String> inputs = new ArrayList<>();
        inputs.add(x);
        Quantizer.Symmetric q = Quantizer.perChannel(weight, out);
        float[] scales = q.scales().clone();
        for (int o = 0; o < out; o++) {
            if (scales[o] == 0) {
                scales[o] = 1f; // an all-zero channel: every code is 0 anyway, and the bias needs a non-zero scale
            }
        }
        inputs.add(dequantize(path + ".weight", graph.int8s(path + ".weight_q", q.codes(), wDims), scales,
                graph.int8s(path + ".weight_zero_point", new byte[out], out)));
        if (bias != null) {
            float xs = in.code.scale();
            int[] codes = new int[out];
            float[] biasScales = new float[out];
            for (int o = 0; o < out; o++) {
                biasScales[o] = xs * scales[o];
                double b = Math.rint(bias[o] / (double) biasScales[o]);
                codes[o] = (int) Math.max(Integer.MIN_VALUE + 1L, Math.min(Integer.MAX_VALUE, b));
            }
            inputs.add(dequantize(path + ".bias", graph.int32s(path + ".bias_q", codes, out), biasScales,
                    graph.int32s(path + ".bias_zero_point", new int[out], out)));
        }
        return inputs;
    }

    /** The inputs of a float conv or Gemm: activation {@code x}, float weight and optional bias. */
    private List<String> floatInputs(String path, String x, float[] weight, long[] wDims, float[] bias) {
        List<String> inputs = new ArrayList<>();
        inputs.add(x);
        inputs.add(graph.floats(path + ".weight", weight, wDims));
        if (bias != null) {
            inputs.add(graph.floats(path + ".bias", bias, wDims[0]));
        }
        return inputs;
    }

    private String dequantize(String name, String codes, float[] scales, String zeroPoints) {
        String s = graph.floats(name + "_scale", scales, scales.length);
        return graph.node("DequantizeLinear", List.of(codes, s, zeroPoints), name, integer("axis", 0));
    }

    /** The tensor a quantized consumer reads: in int8 mode Q → DQ of {@code v} (added once), else {@code v} itself. */
    private String quantized(Value v) {
        if (ranges == null) {
            if (v.codeOf == null && !calibrationPoints.contains(v.name)) {
                calibrationPoints.add(v.name);
            }
            return v.name;
        }
        if (v.dequantized == null) {
            if (v.codeOf != null) {
                quantized(v.codeOf);
            }
            v.code = v.codeOf != null ? v.codeOf.code : ranges.params(v.name, unsignedActivations);
            String scale = graph.floats(v.name + "/scale", new float[] {v.code.scale()});
            byte[] zeroPoint = {(byte) v.code.zeroPoint()};
            String zp = unsignedActivations ? graph.uint8s(v.name + "/zero_point", zeroPoint) : graph.int8s(v.name + "/zero_point", zeroPoint);
            String q = graph.node("QuantizeLinear", List.of(v.name, scale, zp), v.name + "/q");
            v.dequantized = graph.node("DequantizeLinear", List.of(q, scale, zp), v.name + "/dq");
        }
        return v.dequantized;
    }

    /** {@code values} when it holds {@code n} finite numbers, else an error naming the parameter. */
    private static float[] check(String path, float[] values, int n) {
        String layer = path.substring(0, path.lastIndexOf('.'));
        String param = path.substring(path.lastIndexOf('.') + 1);
        if (values == null) {
            throw new UnexportableLayerException(layer, param + " is missing (the plan has no trained weights)");
        }
        if (values.length != n) {
            throw new UnexportableLayerException(layer, param + " has " + values.length + " values, the layer's shape needs " + n);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new UnexportableLayerException(layer, param + "[" + i + "] is not finite (" + values[i] + ")");
            }
        }
        return values;
    }
}
