package org.naspipeline.worker.model.attention;

/**
 * Multiply-accumulates of one multi-head self-attention over one sequence: the four projections (query, key and
 * value from {@code width} to {@code heads·headDim}, output back to {@code width}) cost {@code 4·T·D·(heads·headDim)},
 * the scores {@code QKᵀ} {@code heads·T·T·headDim} and the weighted sum {@code AV} another {@code heads·T·T·headDim}.
 * Softmax, scaling, biases and the head mask are not counted, as for the other layers in {@code MacCounter}.
 */
public final class AttentionMacs {
    private AttentionMacs() {}

    /** MACs for a sequence of {@code tokens} vectors of {@code width} features (no batch dimension). */
    public static long of(long tokens, long width, int heads, int headDim) {
        long inner = (long) heads * headDim;
        return 4 * tokens * width * inner + 2 * inner * tokens * tokens;
    }
}
