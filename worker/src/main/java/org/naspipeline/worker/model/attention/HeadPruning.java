package org.naspipeline.worker.model.attention;

import java.util.Arrays;
import org.naspipeline.worker.model.attention.AttentionWeights.Projection;

/**
 * Physical removal of attention heads (Michel et al. 2019): a removed head's rows of the query, key and value
 * weights and biases go, and so do its columns of the output weight; the output bias stays. A block built with the
 * smaller weights and {@code heads} = the kept count computes what the original computes with the removed heads
 * masked to 0. Which heads to keep comes from importances ({@link HeadImportance}).
 */
public final class HeadPruning {
    private HeadPruning() {}

    /** The weights of only the {@code kept} heads (ascending distinct indices, at least one), in that order. */
    public static AttentionWeights prune(AttentionWeights w, int[] kept) {
        if (kept.length == 0) {
            throw new IllegalArgumentException("an attention layer must keep at least one head");
        }
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= w.heads() || (i > 0 && kept[i] <= kept[i - 1])) {
                throw new IllegalArgumentException("kept heads must be ascending distinct indices below " + w.heads() + ": "
                        + Arrays.toString(kept));
            }
        }
        int d = w.headDim();
        int[] rows = new int[kept.length * d]; // the kept heads' rows of q/k/v = columns of o
        for (int i = 0; i < kept.length; i++) {
            for (int j = 0; j < d; j++) {
                rows[i * d + j] = kept[i] * d + j;
            }
        }
        return new AttentionWeights(w.width(), kept.length, d, rows(w.query(), w.width(), rows), rows(w.key(), w.width(), rows),
                rows(w.value(), w.width(), rows), columns(w.output(), w.heads() * d, rows));
    }

    private static Projection rows(Projection p, int rowSize, int[] rows) {
        float[] weight = new float[rows.length * rowSize];
        float[] bias = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(p.weight(), rows[i] * rowSize, weight, i * rowSize, rowSize);
            bias[i] = p.bias()[rows[i]];
        }
        return new Projection(weight, bias);
    }

    private static Projection columns(Projection p, int rowSize, int[] columns) {
        int outRows = p.bias().length;
        float[] weight = new float[outRows * columns.length];
        for (int r = 0; r < outRows; r++) {
            for (int i = 0; i < columns.length; i++) {
                weight[r * columns.length + i] = p.weight()[r * rowSize + columns[i]];
            }
        }
        return new Projection(weight, p.bias().clone());
    }

    /**
     * Indices (ascending) of the {@code count} most important heads, clamped to 1…heads; of equal importances the lower
     * index is kept.
     */
    public static int[] keepTop(double[] importance, int count) {
        int n = importance.length;
        int keep = Math.max(1, Math.min(n, count));
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> importance[a] != importance[b] ? Double.compare(importance[b], importance[a]) : Integer.compare(a, b));
        int[] kept = new int[keep];
        for (int i = 0; i < keep; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }
}
