package org.naspipeline.worker.compress;

/**
 * Post-training int8 weight quantization, the two standard linear schemes.
 *
 * <ul>
 *   <li>Asymmetric per tensor (min/max): {@code q = round((x − min) / (max − min) × 255)} in 0…255 and
 *       {@code x_q = q / 255 × (max − min) + min}, computed in double from the float inputs, rounding half up
 *       ({@link Math#round(double)}). A constant tensor ({@code max = min}) maps to {@code q = 0, x_q = min}.</li>
 *   <li>Symmetric per output channel: {@code scale_c = max|x_c| / 127}, {@code q = clamp(round(x / scale_c), −127, 127)},
 *       {@code x_q = q · scale_c}; zero stays exactly zero. An all-zero channel gets scale 0.</li>
 * </ul>
 */
public final class Quantizer {
    private Quantizer() {}

    /** A per-tensor affine code: the unsigned codes (stored as bytes) and the range. */
    public record Affine(byte[] codes, float min, float max) {
        /** The dequantized value of code {@code i}. */
        public float value(int i) {
            return dequantize(codes[i] & 0xFF, min, max);
        }
    }

    /** A per-channel symmetric code: signed codes and one scale per channel (row of {@code codes.length / scales.length}). */
    public record Symmetric(byte[] codes, float[] scales) {
        /** The dequantized value of code {@code i}. */
        public float value(int i) {
            return codes[i] * scales[i / (codes.length / scales.length)];
        }
    }

    /** Quantizes {@code x} with one min/max range. */
    public static Affine affine(float[] x) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (x.length == 0) {
            min = 0;
            max = 0;
        }
        byte[] codes = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            codes[i] = (byte) quantize(x[i], min, max);
        }
        return new Affine(codes, min, max);
    }

    /** {@code round((x − min) / (max − min) × 255)}, 0 when the range is empty. */
    public static int quantize(float x, float min, float max) {
        if (max == min) {
            return 0;
        }
        return (int) Math.round(((double) x - min) / ((double) max - min) * 255.0);
    }

    /** {@code q / 255 × (max − min) + min}. */
    public static float dequantize(int q, float min, float max) {
        return (float) (q / 255.0 * ((double) max - min) + min);
    }

    /** Quantizes {@code x}, laid out as {@code channels} equal rows, with one symmetric scale per row. */
    public static Symmetric perChannel(float[] x, int channels) {
        int per = x.length / channels;
        int[] channelOf = new int[x.length];
        java.util.Arrays.setAll(channelOf, i -> i / per);
        float[] scales = scalesOf(x, channelOf, channels);
        return new Symmetric(symmetricCodes(x, channelOf, scales), scales);
    }

    /** Per channel {@code max|x_c| / 127}, where {@code channelOf[i]} is the channel of {@code x[i]}. */
    public static float[] scalesOf(float[] x, int[] channelOf, int channels) {
        float[] scales = new float[channels];
        for (int i = 0; i < x.length; i++) {
            scales[channelOf[i]] = Math.max(scales[channelOf[i]], Math.abs(x[i]));
        }
        for (int c = 0; c < channels; c++) {
            scales[c] /= 127f;
        }
        return scales;
    }

    /** {@code clamp(round(x / scale_c), −127, 127)} for each value, 0 in a channel whose scale is 0. */
    public static byte[] symmetricCodes(float[] x, int[] channelOf, float[] scales) {
        byte[] codes = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            float scale = scales[channelOf[i]];
            codes[i] = scale == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(x[i] / scale)));
        }
        return codes;
    }

    /** Relative Frobenius error ‖x − x_q‖ / ‖x‖ of a round trip. */
    public static double relativeError(float[] x, float[] xq) {
        double err = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - xq[i];
            err += d * d;
            norm += (double) x[i] * x[i];
        }
        return norm == 0 ? 0 : Math.sqrt(err / norm);
    }
}
