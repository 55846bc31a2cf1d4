package org.naspipeline.worker.onnx;

/**
 * The 8-bit affine code of an activation tensor, {@code x ≈ (q − zeroPoint) · scale}, with q in −128…127 (S8) or
 * 0…255 (U8). The range always contains 0, so 0 is exact; a ReLU output (minimum 0) gets the lowest code as its
 * zero point, which lets ONNX Runtime drop the ReLU into the preceding quantized conv or Gemm.
 */
record QuantParams(float scale, int zeroPoint, boolean unsigned) {

    /** The code of the range {@code [min, max]} widened to contain 0; an empty range gets scale 1. */
    static QuantParams of(float min, float max, boolean unsigned) {
        float lo = Math.min(min, 0f);
        float hi = Math.max(max, 0f);
        float scale = (hi - lo) / 255f;
        if (!(scale > 0) || !Float.isFinite(scale)) {
            scale = 1f;
        }
        int lowest = unsigned ? 0 : -128;
        int zp = (int) Math.round(lowest - lo / (double) scale);
        return new QuantParams(scale, Math.max(lowest, Math.min(lowest + 255, zp)), unsigned);
    }
}
