package org.naspipeline.worker.compress;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.CompressionReport.LayerChange;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Weighted;

/**
 * Low-rank factorization by truncated SVD, rank {@code r = max(1, round(ratio · min(m, n)))}.
 *
 * <ul>
 *   <li>Dense {@code W (out × in) ≈ (U_r·√S_r)(√S_r·V_rᵀ)}: a dense layer {@code in → r} without bias, then
 *       {@code r → out} with the original bias.</li>
 *   <li>Full conv {@code W (out, in, k, k)}, reshaped to {@code out × (in·k·k)}: a k×k conv to r channels without
 *       bias (rows of {@code √S_r·V_rᵀ}), then a 1×1 conv {@code r → out} ({@code U_r·√S_r}) with the bias.</li>
 * </ul>
 * In a transformer, the dense layers on tokens: the patch embedding and each encoder's MLP layers (fc1 and fc2 each
 * become a bias-free layer to rank r and one from r with the bias, inside the encoder; already factorized, they stay as
 * they are). An encoder's attention projections stay whole: head pruning and the attention read each as one matrix of
 * heads.
 * A layer is only factorized when the two factors hold fewer weights than it, {@code r·(m + n) < m·n}. The
 * classifier and depthwise convs are left as they are. Each factorized layer reports its relative
 * reconstruction error {@code ‖W − W_r‖_F / ‖W‖_F}. Factorized layers lose any pruning mask (the factors are dense).
 */
public final class LowRank {
    private LowRank() {}

    /** The factorized plan and, per layer, its shapes and reconstruction error. */
    public record Result(NetworkPlan plan, List<LayerChange> changes) {}

    /**
     * Factorizes the dense layers, and unless {@code denseOnly} the full conv layers, of a trained plan at
     * {@code ratio} of their full rank.
     */
    public static Result factorize(NetworkPlan plan, double ratio, boolean denseOnly) {
        if (!plan.hasWeights()) {
            throw new IllegalArgumentException("low-rank factorization needs a trained plan (weights are missing)");
        }
        String classifier = plan.classifierPath();
        java.util.Set<String> encoderFactors = new java.util.HashSet<>(); // an encoder's factorized MLP layers stay as they are
        plan.forEachWeighted((path, layer) -> {
            if (path.endsWith(".first")) {
                encoderFactors.add(path);
                encoderFactors.add(path.substring(0, path.length() - ".first".length()));
            }
        });
        List<LayerChange> changes = new ArrayList<>();
        NetworkPlan out = plan.mapWeighted((path, layer) -> {
            if (path.equals(classifier) || layer instanceof Conv c && (c.groups() > 1 || denseOnly) || isAttention(path)
                    || encoderFactors.contains(path)) {
                return List.of(layer);
            }
            Weighted weighted = (Weighted) layer;
            int m = weighted.out();
            int n = weighted.filterSize();
            int rank = Math.max(1, (int) Math.round(ratio * Math.min(m, n)));
            if ((long) rank * (m + n) >= (long) m * n) {
                changes.add(new LayerChange(path, layer.toString(), layer.toString() + " (kept: rank " + rank
                        + " would not save weights)", null, null));
                return List.of(layer);
            }
            float[] w = weighted.weight();
            Factors f = factors(w, m, n, rank);
            List<Layer> replacement;
            if (layer instanceof Conv c) {
                replacement = List.of(new Conv(c.in(), rank, c.kernel(), 1, false, f.first(), null),
                        new Conv(rank, c.out(), 1, 1, c.hasBias(), f.second(), c.bias()));
            } else {
                Dense d = (Dense) layer;
                replacement = List.of(new Dense(d.in(), rank, false, f.first(), null),
                        new Dense(rank, d.out(), d.hasBias(), f.second(), d.bias()));
            }
            changes.add(new LayerChange(path, layer.toString(), replacement.get(0) + " + " + replacement.get(1),
                    f.relativeError(), null));
            return replacement;
        });
        return new Result(out, List.copyOf(changes));
    }

    /** Whether {@code path} names an encoder's query, key, value or output projection. */
    private static boolean isAttention(String path) {
        return path.endsWith(".query") || path.endsWith(".key") || path.endsWith(".value") || path.endsWith(".output");
    }

    /** {@code first} (rank × n) and {@code second} (m × rank), row-major, with W ≈ second · first. */
    record Factors(float[] first, float[] second, double relativeError) {}

    static Factors factors(float[] w, int m, int n, int rank) {
        double[] a = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            a[i] = w[i];
        }
        Svd.Result svd = Svd.of(a, m, n);
        int k = svd.k();
        float[] first = new float[rank * n];
        float[] second = new float[m * rank];
        for (int r = 0; r < rank; r++) {
            double root = Math.sqrt(svd.s()[r]);
            for (int j = 0; j < n; j++) {
                first[r * n + j] = (float) (root * svd.v()[j * k + r]);
            }
            for (int i = 0; i < m; i++) {
                second[i * rank + r] = (float) (svd.u()[i * k + r] * root);
            }
        }
        double err = 0;
        double norm = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double approx = 0;
                for (int r = 0; r < rank; r++) {
                    approx += (double) second[i * rank + r] * first[r * n + j];
                }
                double d = a[i * n + j] - approx;
                err += d * d;
                norm += a[i * n + j] * a[i * n + j];
            }
        }
        return new Factors(first, second, norm == 0 ? 0 : Math.sqrt(err / norm));
    }
}
