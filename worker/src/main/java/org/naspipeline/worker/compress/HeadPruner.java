package org.naspipeline.worker.compress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.naspipeline.api.CompressionReport.LayerChange;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.attention.AttentionWeights;
import org.naspipeline.worker.model.attention.AttentionWeights.Projection;
import org.naspipeline.worker.model.attention.HeadPruning;

/**
 * Attention-head pruning of a plan's encoder layers by importance (Michel et al. 2019): given each layer's head
 * importances (normalized per layer), it removes the least important heads physically, the query, key and value rows
 * and the output columns of each removed head, so the pruned encoders are really narrower. {@code layer} scope removes
 * {@code ratio} of each layer's heads (floor(ratio × heads)) or a {@code count} from each; {@code global} ranks all heads
 * together (the normalization makes layers comparable) and removes {@code ratio} of them overall, or {@code count} in
 * all. Every layer keeps at least one head.
 */
public final class HeadPruner {
    private HeadPruner() {}

    /** The pruned plan and, per encoder layer, its heads before and after. */
    public record Result(NetworkPlan plan, List<LayerChange> changes) {}

    /**
     * Refuses a plan without encoder layers, before any importance is measured.
     *
     * @throws IllegalArgumentException naming the setting, for a candidate that asks heads of another family
     */
    public static void requireEncoders(NetworkPlan plan) {
        if (!plan.hasEncoders()) {
            throw new IllegalArgumentException("compression.pruning.method: heads prunes attention heads, and this model has no "
                    + "encoder layer (use the transformer family)");
        }
    }

    /**
     * Removes {@code ratio} of the heads by {@code importance} (one array per encoder layer, in forward order).
     *
     * @throws IllegalArgumentException when the plan has no encoder layer or the importances do not match its heads
     */
    public static Result prune(NetworkPlan plan, double[][] importance, double ratio, boolean global) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("ratio must be in [0, 1]: " + ratio);
        }
        return prune(plan, importance, heads -> (int) Math.floor(ratio * heads), global);
    }

    /**
     * Removes {@code count} heads by {@code importance}: from each layer, or in all under {@code global}.
     *
     * @throws IllegalArgumentException when the plan has no encoder layer, the importances do not match its heads or
     *     the count is below 1
     */
    public static Result pruneCount(NetworkPlan plan, double[][] importance, int count, boolean global) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1: " + count);
        }
        return prune(plan, importance, heads -> count, global);
    }

    /** {@code removed} maps a number of heads (a layer's, or all of them under {@code global}) to how many go. */
    private static Result prune(NetworkPlan plan, double[][] importance, IntUnaryOperator removed, boolean global) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < plan.layers().size(); i++) {
            if (plan.layers().get(i) instanceof Encoder) {
                at.add(i);
            }
        }
        requireEncoders(plan);
        if (importance.length != at.size()) {
            throw new IllegalArgumentException("importances for " + importance.length + " layers, but the plan has " + at.size());
        }
        int[][] kept = global ? keepGlobally(importance, removed) : keepPerLayer(importance, removed);
        IdentityHashMap<NetworkPlan.Layer, NetworkPlan.Layer> replaced = new IdentityHashMap<>();
        List<LayerChange> changes = new ArrayList<>();
        for (int l = 0; l < at.size(); l++) {
            Encoder e = (Encoder) plan.layers().get(at.get(l));
            if (importance[l].length != e.heads()) {
                throw new IllegalArgumentException("layers[" + at.get(l) + "]: " + importance[l].length + " importances for "
                        + e.heads() + " heads");
            }
            Encoder pruned = withHeads(e, kept[l]);
            replaced.put(e, pruned);
            changes.add(new LayerChange("layers[" + at.get(l) + "]", e.toString(), pruned.toString(), null, null));
        }
        return new Result(plan.withReplaced(replaced), changes);
    }

    private static int[][] keepPerLayer(double[][] importance, IntUnaryOperator removed) {
        int[][] kept = new int[importance.length][];
        for (int l = 0; l < importance.length; l++) {
            kept[l] = HeadPruning.keepTop(importance[l], importance[l].length - removed.applyAsInt(importance[l].length));
        }
        return kept;
    }

    /**
     * Removes the least important heads over all layers, as many as {@code removedOfAll} gives for all of them,
     * keeping one per layer.
     */
    private static int[][] keepGlobally(double[][] importance, IntUnaryOperator removedOfAll) {
        List<int[]> heads = new ArrayList<>(); // (layer, head)
        for (int l = 0; l < importance.length; l++) {
            for (int h = 0; h < importance[l].length; h++) {
                heads.add(new int[] {l, h});
            }
        }
        heads.sort(Comparator.<int[]>comparingDouble(x -> importance[x[0]][x[1]]).thenComparingInt(x -> x[0]).thenComparingInt(x -> x[1]));
        boolean[][] removed = new boolean[importance.length][];
        int[] left = new int[importance.length];
        for (int l = 0; l < importance.length; l++) {
            removed[l] = new boolean[importance[l].length];
            left[l] = importance[l].length;
        }
        int toRemove = removedOfAll.applyAsInt(heads.size());
        for (int[] x : heads) {
            if (toRemove == 0) {
                break;
            }
            if (left[x[0]] > 1) {
                removed[x[0]][x[1]] = true;
                left[x[0]]--;
                toRemove--;
            }
        }
        int[][] kept = new int[importance.length][];
        for (int l = 0; l < importance.length; l++) {
            int[] k = new int[left[l]];
            int n = 0;
            for (int h = 0; h < removed[l].length; h++) {
                if (!removed[l][h]) {
                    k[n++] = h;
                }
            }
            kept[l] = k;
        }
        return kept;
    }

    /** The encoder with only the {@code kept} heads (ascending), its attention's weights cut to match. */
    static Encoder withHeads(Encoder e, int[] kept) {
        if (kept.length == e.heads()) {
            return e;
        }
        AttentionWeights w = HeadPruning.prune(new AttentionWeights(e.width(), e.heads(), e.headDim(), projection(e.query()),
                projection(e.key()), projection(e.value()), projection(e.output())), kept);
        int inner = kept.length * e.headDim();
        return new Encoder(kept.length, e.headDim(), e.preNorm(), e.dropout(), e.norm1(), dense(e.width(), inner, w.query()),
                dense(e.width(), inner, w.key()), dense(e.width(), inner, w.value()), dense(inner, e.width(), w.output()),
                e.norm2(), e.fc1(), e.fc2(), e.fc1First(), e.fc2First());
    }

    private static Projection projection(Dense d) {
        if (d.weight() == null || !d.hasBias()) {
            throw new IllegalArgumentException(d + ": head pruning needs trained weights and biases");
        }
        return new Projection(d.weight(), d.bias());
    }

    private static Dense dense(int in, int out, Projection p) {
        return new Dense(in, out, true, p.weight(), p.bias());
    }
}
