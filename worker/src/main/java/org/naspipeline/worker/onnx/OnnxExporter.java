package org.naspipeline.worker.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;

/**
 * Exports a trained {@link NetworkPlan} as an ONNX model (opset 17): float input {@code input} of shape
 * {@code (N, C, H, W)} or {@code (N, F)} with a dynamic batch, float output {@code logits} {@code (N, classes)}.
 *
 * <ul>
 *   <li>conv → Conv (pads k/2, groups for depthwise), dense → Gemm with {@code transB = 1} (DJL's (out, in)
 *       layout), 2×2 pooling → MaxPool/AveragePool, flatten → Flatten, residual → Add, dropout → nothing;
 *       a low-rank pair is simply its two layers. Pruned plans export at their shrunk shapes.</li>
 *   <li>A batch norm right after a conv is folded into the conv's weights and bias; one elsewhere is a
 *       BatchNormalization op.</li>
 *   <li>Token layers (transformer family, values (N, T, D)): patches → Reshape, Transpose, Reshape; a dense layer on
 *       tokens → MatMul (transposed weight) + Add; embedding → Shape, Concat, Expand (the class token over the batch),
 *       Concat, Add; layer norm → LayerNormalization; encoder → its dense layers, Reshape/Transpose into heads, MatMul,
 *       Div by √headDim, Softmax, MatMul, exact GELU as Div, Erf, Add, Mul, Mul, float residual Adds; token pooling →
 *       Gather of token 0 or ReduceMean over the tokens. In the int8 graph only the dense layers on tokens are
 *       quantized (QDQ activation, per-channel int8 weight, float bias); the rest stays float.</li>
 *   <li>int8: a QDQ graph. Weights per output channel symmetric int8 from the project's {@code Quantizer},
 *       biases int32; activations QuantizeLinear/DequantizeLinear, uint8 by default (see {@link Activations}),
 *       with codes from {@link #calibrate}. ONNX Runtime fuses the groups into QLinearConv, QGemm, QLinearAdd,
 *       QLinearAveragePool; a ReLU after a conv or dense layer disappears into it. With U8 activations a
 *       conv reading fewer than 4 channels (the first conv of an image network) stays float, with its ReLU and
 *       pooling, because ONNX Runtime's int8 conv is slower than the float one there.</li>
 * </ul>
 * A layer that cannot be expressed fails with {@link UnexportableLayerException} naming its path.
 */
public final class OnnxExporter {
    private OnnxExporter() {}

    /** How activation ranges are calibrated: {@code batches} batches of {@code batchSize} examples, keeping the
     * central {@code percentile} % of values ({@code 100}: plain min/max). */
    public record Calibration(int batches, int batchSize, double percentile) {
        /** Min/max over {@code batches} batches of {@code batchSize}. */
        public static Calibration minMax(int batches, int batchSize) {
            return new Calibration(batches, batchSize, 100);
        }

        /** Validates. */
        public Calibration {
            if (batches < 1 || batchSize < 1) {
                throw new IllegalArgumentException("calibration: batches and batchSize must be ≥ 1 (got " + batches + ", " + batchSize + ")");
            }
            if (!(percentile > 50 && percentile <= 100)) {
                throw new IllegalArgumentException("calibration.percentile: must be in (50, 100] (got " + percentile + ")");
            }
        }
    }

    /** The fp32 model. */
    public static byte[] fp32(NetworkPlan plan) {
        return new PlanTranslator(null, false).translate(plan, List.of());
    }

    /**
     * How int8 activations are coded. Weights are always signed per-channel int8; the activations' sign decides
     * which kernels ONNX Runtime can use.
     */
    public enum Activations {
        /**
         * U8S8: unsigned activations. On x86 ONNX Runtime runs QDQ graphs as U8S8 anyway: it rewrites S8 activation
         * pairs to U8 (QDQS8ToU8Transformer), but only where a quantized tensor has a single consumer, so an S8
         * graph with a residual fan-out keeps float convs next to int8 ones. The default.
         */
        U8,
        /** S8S8: signed activations, for runtimes whose int8 kernels prefer them (e.g. ARM). */
        S8
    }

    /** The int8 QDQ model, U8S8, with activation codes from {@code ranges} (see {@link #calibrate}). */
    public static byte[] int8(NetworkPlan plan, ActivationRanges ranges) {
        return int8(plan, ranges, Activations.U8);
    }

    /** The int8 QDQ model with activations coded as {@code activations}, codes from {@code ranges}. */
    public static byte[] int8(NetworkPlan plan, ActivationRanges ranges, Activations activations) {
        return new PlanTranslator(ranges, activations == Activations.U8).translate(plan, List.of());
    }

    /**
     * The int8 QDQ model keeping ungrouped convs with fewer than {@code floatConvInputsBelow} input channels float
     * (0: every conv int8), float ReLU → max pooling pairs written pooling first when {@code poolBeforeRelu}; the
     * public exports use 4 and true. For measurements and tests.
     */
    static byte[] int8(NetworkPlan plan, ActivationRanges ranges, Activations activations, int floatConvInputsBelow, boolean poolBeforeRelu) {
        return new PlanTranslator(ranges, activations == Activations.U8, floatConvInputsBelow, poolBeforeRelu).translate(plan, List.of());
    }

    /**
     * The ranges of the activations an int8 export quantizes, measured by running the fp32 graph in ONNX Runtime
     * (on {@code threads} threads) over the first {@code calibration.batches × batchSize} examples of {@code data}
     * (cycled when there are fewer).
     */
    public static ActivationRanges calibrate(NetworkPlan plan, TensorData data, Calibration calibration, int threads) {
        return calibrate(plan, data, calibration, threads, 0, PlanTranslator.FLOAT_CONV_INPUTS_BELOW);
    }

    /** As above, for int8 graphs keeping ungrouped convs with fewer than each of {@code floatConvInputsBelow} input channels float. */
    static ActivationRanges calibrate(NetworkPlan plan, TensorData data, Calibration calibration, int threads, int... floatConvInputsBelow) {
        List<String> points = calibrationPoints(plan, floatConvInputsBelow);
        byte[] model = new PlanTranslator(null, false).translate(plan, points);
        if (!Arrays.equals(data.sampleShape(), plan.inputShape())) {
            throw new IllegalArgumentException("calibration data: examples of shape " + Arrays.toString(data.sampleShape())
                    + " do not fit the plan's input " + Arrays.toString(plan.inputShape()));
        }
        if (data.count() < 1) {
            throw new IllegalArgumentException("calibration data: no examples");
        }
        try (OnnxModel m = OnnxModel.load(model, "calibration model", threads)) {
            Map<String, float[]> minMax = new HashMap<>();
            forEachBatch(m, data, calibration, points, (name, values) -> {
                float[] r = minMax.computeIfAbsent(name, k -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
                for (float v : values) {
                    r[0] = Math.min(r[0], v);
                    r[1] = Math.max(r[1], v);
                }
            });
            if (calibration.percentile() >= 100) {
                return new ActivationRanges(minMax);
            }
            Map<String, Histogram> histograms = new HashMap<>();
            minMax.forEach((name, r) -> histograms.put(name, new Histogram(r[0], r[1])));
            forEachBatch(m, data, calibration, points, (name, values) -> histograms.get(name).add(values));
            Map<String, float[]> clipped = new HashMap<>();
            histograms.forEach((name, h) -> clipped.put(name, h.central(calibration.percentile())));
            return new ActivationRanges(clipped);
        }
    }

    private interface Sink {
        void accept(String tensor, float[] values);
    }

    private static void forEachBatch(OnnxModel m, TensorData data, Calibration c, List<String> points, Sink sink) {
        int size = data.sampleSize();
        for (int b = 0; b < c.batches(); b++) {
            float[] x = new float[c.batchSize() * size];
            for (int i = 0; i < c.batchSize(); i++) {
                int example = (b * c.batchSize() + i) % data.count();
                System.arraycopy(data.features(), example * size, x, i * size, size);
            }
            Map<String, float[]> outputs = m.outputs(x, c.batchSize(), true);
            for (String p : points) {
                sink.accept(p, p.equals("input") ? x : outputs.get(p));
            }
        }
    }

    /** A 2048-bin histogram over a known range, for percentile clipping. */
    private static final class Histogram {
        private final float min;
        private final float max;
        private final long[] bins = new long[2048];
        private long total;

        Histogram(float min, float max) {
            this.min = min;
            this.max = max;
        }

        void add(float[] values) {
            double width = ((double) max - min) / bins.length;
            for (float v : values) {
                int bin = width > 0 ? (int) Math.min(bins.length - 1, Math.max(0, (v - min) / width)) : 0;
                bins[bin]++;
            }
            total += values.length;
        }

        /** {lo, hi} holding the central {@code percentile} % of the values (bin edges, never beyond min/max). */
        float[] central(double percentile) {
            double tail = total * (100 - percentile) / 200;
            double width = ((double) max - min) / bins.length;
            int lo = 0;
            long below = 0;
            while (lo < bins.length - 1 && below + bins[lo] <= tail) {
                below += bins[lo++];
            }
            int hi = bins.length - 1;
            long above = 0;
            while (hi > lo && above + bins[hi] <= tail) {
                above += bins[hi--];
            }
            return new float[] {(float) (min + lo * width), (float) Math.min(max, min + (hi + 1) * width)};
        }
    }

    /**
     * The fp32 graph's tensors that an int8 export quantizes, U8 (first convs with few input channels float) or S8
     * (every conv int8), so that one calibration serves both; for tests and reports.
     */
    static List<String> calibrationPoints(NetworkPlan plan) {
        return calibrationPoints(plan, 0, PlanTranslator.FLOAT_CONV_INPUTS_BELOW);
    }

    private static List<String> calibrationPoints(NetworkPlan plan, int... floatConvInputsBelow) {
        Set<String> points = new LinkedHashSet<>();
        for (int below : floatConvInputsBelow) {
            PlanTranslator t = new PlanTranslator(null, false, below, false);
            t.translate(plan, List.of());
            points.addAll(t.calibrationPoints());
        }
        return new ArrayList<>(points);
    }
}
