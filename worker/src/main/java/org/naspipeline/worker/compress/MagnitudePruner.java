package org.naspipeline.worker.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.naspipeline.api.CompressionReport.LayerChange;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Weighted;

/**
 * Unstructured magnitude pruning: the weights of smallest |w| in every conv and dense weight tensor (biases and
 * batch-norm are left alone) are set to zero and marked in the layer's mask, which the fine-tuning keeps
 * applied after every optimizer step. {@code layer} scope prunes each tensor to the sparsity on its own,
 * {@code global} scope ranks all prunable weights together. Exactly {@code floor(sparsity · n)} weights are
 * pruned (ties broken by position), and weights pruned once stay pruned, so a schedule only ever adds zeros.
 *
 * <p>{@link #agpSparsity} is the gradual schedule of Zhu and Gupta 2017:
 * {@code s_t = s_f + (s_i − s_f)·(1 − (t − t0)/(nΔt))³}, here with {@code s_i = 0} and {@code t0 = 0}.
 */
public final class MagnitudePruner {
    private MagnitudePruner() {}

    /** Prunes {@code plan} to {@code sparsity} (0–1) in {@code global} or per-layer scope. */
    public static NetworkPlan prune(NetworkPlan plan, double sparsity, boolean global) {
        if (global) {
            List<float[]> tensors = new ArrayList<>();
            plan.forEachWeighted((path, layer) -> {
                float[] w = NetworkPlan.weightOf(layer);
                if (w != null) {
                    tensors.add(w);
                }
            });
            int total = tensors.stream().mapToInt(t -> t.length).sum();
            float[] all = new float[total];
            int at = 0;
            for (float[] t : tensors) {
                for (float v : t) {
                    all[at++] = Math.abs(v);
                }
            }
            int k = (int) Math.floor(sparsity * total);
            float threshold = kthSmallest(all, k);
            int[] budgetAtThreshold = {k - countBelow(all, threshold)};
            return plan.mapWeighted((path, layer) -> List.of(masked(layer, threshold, budgetAtThreshold)));
        }
        return plan.mapWeighted((path, layer) -> {
            float[] w = NetworkPlan.weightOf(layer);
            float[] abs = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                abs[i] = Math.abs(w[i]);
            }
            int k = (int) Math.floor(sparsity * w.length);
            float threshold = kthSmallest(abs, k);
            int[] budget = {k - countBelow(abs, threshold)};
            return List.of(masked(layer, threshold, budget));
        });
    }

    /** AGP target sparsity after {@code step} of {@code steps} pruning steps towards {@code finalSparsity}. */
    public static double agpSparsity(double finalSparsity, long step, long steps) {
        if (steps <= 0 || step >= steps) {
            return finalSparsity;
        }
        double remaining = 1.0 - (double) step / steps;
        return finalSparsity * (1.0 - remaining * remaining * remaining);
    }

    /** Per-layer sparsity (fraction of zero weights) of every conv and dense weight tensor. */
    public static List<LayerChange> sparsity(NetworkPlan plan) {
        List<LayerChange> out = new ArrayList<>();
        plan.forEachWeighted((path, layer) -> {
            float[] w = NetworkPlan.weightOf(layer);
            if (w != null) {
                out.add(new LayerChange(path, layer.toString(), layer.toString(), null, zeros(w) / (double) w.length));
            }
        });
        return out;
    }

    /** Fraction of zero weights over all conv and dense weight tensors. */
    public static double overallSparsity(NetworkPlan plan) {
        long[] counts = {0, 0};
        plan.forEachWeighted((path, layer) -> {
            float[] w = NetworkPlan.weightOf(layer);
            if (w != null) {
                counts[0] += zeros(w);
                counts[1] += w.length;
            }
        });
        return counts[1] == 0 ? 0 : (double) counts[0] / counts[1];
    }

    private static long zeros(float[] w) {
        long z = 0;
        for (float v : w) {
            if (v == 0f) {
                z++;
            }
        }
        return z;
    }

    /**
     * Zeroes and masks the weights below {@code threshold}, and of those equal to it as many as the shared
     * {@code budget} allows (in position order), keeping earlier masks.
     */
    private static Layer masked(Layer layer, float threshold, int[] budget) {
        float[] w = NetworkPlan.weightOf(layer).clone();
        boolean[] old = NetworkPlan.maskOf(layer);
        boolean[] mask = new boolean[w.length];
        for (int i = 0; i < w.length; i++) {
            float a = Math.abs(w[i]);
            boolean prune = a < threshold || (old != null && !old[i]);
            if (!prune && a == threshold && budget[0] > 0) {
                prune = true;
                budget[0]--;
            }
            mask[i] = !prune;
            if (prune) {
                w[i] = 0f;
            }
        }
        Weighted weighted = (Weighted) layer;
        return weighted.with(w, weighted.bias()).withMask(mask);
    }

    /** The value v such that exactly k values are ≤ v when ranking (v is the k-th smallest); −1 when k = 0. */
    private static float kthSmallest(float[] values, int k) {
        if (k <= 0) {
            return -1f;
        }
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[k - 1];
    }

    private static int countBelow(float[] values, float threshold) {
        int n = 0;
        for (float v : values) {
            if (v < threshold) {
                n++;
            }
        }
        return n;
    }
}
