package org.naspipeline.worker.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.naspipeline.api.CompressionReport.LayerChange;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Residual;

/**
 * Structured pruning after Li et al. 2017 ("Pruning Filters for Efficient ConvNets"): in every conv layer the
 * {@code ratio} fraction of filters with the smallest L1 norm ({@code Σ|w|} over the filter) is removed, and so are
 * the matching input channels of what reads them (the next conv, batch-norm, depthwise conv, or the dense layer
 * after the flatten). Hidden dense layers lose their neurons (rows) of smallest L1 norm the same way; the
 * classifier keeps its outputs. The layers are physically smaller afterwards.
 *
 * <p>Residual sums force a shared channel set: with a 1×1 projection shortcut the body's last conv and the
 * projection keep the channels with the largest summed L1 norm; with an identity shortcut the body's output
 * keeps exactly the channels its input kept. A depthwise conv keeps the channels of its input.
 *
 * <p>Token layers (patches, embeddings, layer norms, encoders, token pooling: the transformer family) have no filters
 * to remove: a plan with any is refused, naming the first one in forward order (magnitude pruning, or head pruning for
 * attention, apply instead).
 */
public final class L1FilterPruner {
    private final double ratio;
    private final List<LayerChange> changes = new ArrayList<>();

    private L1FilterPruner(double ratio) {
        this.ratio = ratio;
    }

    /** The pruned plan (weights required) and the per-layer changes. */
    public record Result(NetworkPlan plan, List<LayerChange> changes) {}

    /** Removes the {@code ratio} fraction (0–0.95) of filters and hidden neurons with the smallest L1 norm. */
    public static Result prune(NetworkPlan plan, double ratio) {
        L1FilterPruner p = new L1FilterPruner(ratio);
        p.refuseTokenLayers("layers", plan.layers());
        if (!plan.hasWeights()) {
            throw new IllegalArgumentException("L1-filter pruning needs a trained plan (weights are missing)");
        }
        Flow out = p.sequence("layers", plan.layers(), Flow.all((int) plan.inputShape()[0]), null, plan.classifierPath());
        return new Result(plan.withLayers(out.layers), List.copyOf(p.changes));
    }

    /**
     * Refuses a plan with token layers (transformer family) before anything else, naming the first one in forward
     * order at any depth, so that the error is the same whether or not the plan has convs or weights.
     */
    private void refuseTokenLayers(String prefix, List<Layer> layers) {
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            String path = prefix + "[" + i + "]";
            if (layer instanceof Residual r) {
                refuseTokenLayers(path + ".body", r.body());
                refuseTokenLayers(path + ".shortcut", r.shortcut());
            } else if (layer instanceof NetworkPlan.Patches || layer instanceof NetworkPlan.Embed || layer instanceof NetworkPlan.LayerNorm
                    || layer instanceof NetworkPlan.Encoder || layer instanceof NetworkPlan.TokenPool) {
                layer.accept(new Step(path, null, null, null, new ArrayList<>())); // throws
            }
        }
    }

    /**
     * The channels (or features) the activation keeps, as indices into the unpruned layout of {@code width}
     * channels; {@code perChannel > 1} after a flatten of a (C, H, W) map, where channel c owns the features
     * {@code c·perChannel … c·perChannel + perChannel − 1}.
     */
    private record Keep(int[] indices, int width, boolean spatial) {
        int[] features(int denseIn) {
            if (!spatial || width == denseIn) {
                return indices;
            }
            int per = denseIn / width;
            int[] f = new int[indices.length * per];
            for (int i = 0; i < indices.length; i++) {
                for (int j = 0; j < per; j++) {
                    f[i * per + j] = indices[i] * per + j;
                }
            }
            return f;
        }
    }

    /** Layers produced so far and the activation's kept channels. */
    private record Flow(List<Layer> layers, Keep keep) {
        static Keep all(int width) {
            int[] idx = new int[width];
            Arrays.setAll(idx, i -> i);
            return new Keep(idx, width, true);
        }
    }

    /**
     * Prunes a layer sequence. {@code forcedOutput}, when set, is the channel set the last full (groups = 1) conv
     * of the sequence must keep (the residual's shared set).
     */
    private Flow sequence(String prefix, List<Layer> layers, Keep in, int[] forcedOutput, String classifier) {
        int lastConv = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Conv c && c.groups() == 1) {
                lastConv = i;
            }
        }
        List<Layer> out = new ArrayList<>();
        Keep keep = in;
        for (int i = 0; i < layers.size(); i++) {
            int[] forced = i == lastConv && forcedOutput != null ? forcedOutput : null;
            keep = layers.get(i).accept(new Step(prefix + "[" + i + "]", keep, forced, classifier, out));
        }
        return new Flow(out, keep);
    }

    /**
     * One layer of a sequence: adds its pruned form to {@code out} and returns the channels its output keeps.
     * {@code forced}, when set, is the output channel set a full conv must keep; every kind of layer is a case, so a
     * new kind does not compile until it says how channels flow through it.
     */
    private final class Step implements NetworkPlan.Cases<Keep> {
        private final String path;
        private final Keep keep;
        private final int[] forced;
        private final String classifier;
        private final List<Layer> out;

        Step(String path, Keep keep, int[] forced, String classifier, List<Layer> out) {
            this.path = path;
            this.keep = keep;
            this.forced = forced;
            this.classifier = classifier;
            this.out = out;
        }

        @Override
        public Keep conv(Conv c) {
            if (c.groups() > 1) {
                int[] k = keep.indices();
                Conv pruned = new Conv(k.length, k.length, c.kernel(), k.length, c.hasBias(),
                        rows(c.weight(), c.filterSize(), k), c.hasBias() ? pick(c.bias(), k) : null);
                record(path, c, pruned);
                out.add(pruned);
                return keep;
            }
            int[] kept = forced != null ? forced : strongest(filterNorms(c, null), c.out());
            Conv pruned = prunedConv(c, keep.indices(), kept);
            record(path, c, pruned);
            out.add(pruned);
            return new Keep(kept, c.out(), true);
        }

        @Override
        public Keep norm(Norm n) {
            int[] k = keep.indices();
            out.add(new Norm(k.length, pick(n.gamma(), k), pick(n.beta(), k), pick(n.mean(), k), pick(n.var(), k)));
            return keep;
        }

        @Override
        public Keep dense(Dense d) {
            int[] inputs = keep.features(d.in());
            int[] kept = path.equals(classifier) ? Flow.all(d.out()).indices() : strongest(rowNorms(d), d.out());
            float[] w = new float[kept.length * inputs.length];
            for (int r = 0; r < kept.length; r++) {
                for (int j = 0; j < inputs.length; j++) {
                    w[r * inputs.length + j] = d.weight()[kept[r] * d.in() + inputs[j]];
                }
            }
            Dense pruned = new Dense(inputs.length, kept.length, d.hasBias(), w, d.hasBias() ? pick(d.bias(), kept) : null);
            record(path, d, pruned);
            out.add(pruned);
            return new Keep(kept, d.out(), false);
        }

        @Override
        public Keep residual(Residual r) {
            Flow f = L1FilterPruner.this.residual(path, r, keep, classifier);
            out.addAll(f.layers());
            return f.keep();
        }

        /** A layer without weights that keeps its input's channels (elementwise, pooling, flattening). */
        private Keep through(Layer layer) {
            out.add(layer);
            return keep;
        }

        @Override
        public Keep relu(NetworkPlan.Relu relu) {
            return through(relu);
        }

        @Override
        public Keep pool(NetworkPlan.Pool pool) {
            return through(pool);
        }

        @Override
        public Keep flatten(NetworkPlan.Flatten flatten) {
            return through(flatten);
        }

        @Override
        public Keep dropout(NetworkPlan.Dropout dropout) {
            return through(dropout);
        }

        /** Token layers (transformer family): l1-filter pruning has no filters or units to remove there. */
        private Keep refused(String kind) {
            throw new IllegalArgumentException(path + ": l1-filter pruning removes conv filters and dense units; it does not apply to "
                    + kind + " (use magnitude pruning, or head pruning for attention)");
        }

        @Override
        public Keep patches(NetworkPlan.Patches patches) {
            return refused("patches");
        }

        @Override
        public Keep embed(NetworkPlan.Embed embed) {
            return refused("embed");
        }

        @Override
        public Keep layerNorm(NetworkPlan.LayerNorm layerNorm) {
            return refused("layerNorm");
        }

        @Override
        public Keep encoder(NetworkPlan.Encoder encoder) {
            return refused("encoder");
        }

        @Override
        public Keep tokenPool(NetworkPlan.TokenPool tokenPool) {
            return refused("tokenPool");
        }
    }

    private Flow residual(String path, Residual r, Keep in, String classifier) {
        Conv bodyConv = null;
        for (Layer l : r.body()) {
            if (l instanceof Conv c && c.groups() == 1) {
                bodyConv = c;
            }
        }
        if (bodyConv == null) {
            throw new IllegalArgumentException(path + ": a residual body without a full conv cannot be pruned");
        }
        int[] shared;
        if (r.shortcut().isEmpty()) {
            shared = in.indices(); // identity: the sum keeps what the input kept
        } else {
            Conv projection = (Conv) r.shortcut().get(0);
            shared = strongest(filterNorms(bodyConv, projection), bodyConv.out());
        }
        Flow body = sequence(path + ".body", r.body(), in, shared, classifier);
        Flow shortcut = sequence(path + ".shortcut", r.shortcut(), in, shared, classifier);
        return new Flow(List.of(new Residual(body.layers(), shortcut.layers())), new Keep(shared, bodyConv.out(), true));
    }

    private static Conv prunedConv(Conv c, int[] inputs, int[] outputs) {
        int area = c.kernel() * c.kernel();
        float[] w = new float[outputs.length * inputs.length * area];
        for (int o = 0; o < outputs.length; o++) {
            for (int i = 0; i < inputs.length; i++) {
                System.arraycopy(c.weight(), (outputs[o] * c.in() + inputs[i]) * area, w, (o * inputs.length + i) * area, area);
            }
        }
        return new Conv(inputs.length, outputs.length, c.kernel(), 1, c.hasBias(), w, c.hasBias() ? pick(c.bias(), outputs) : null);
    }

    /** L1 norm of each filter of {@code c}, plus that of the same filter of {@code also} when given. */
    static double[] filterNorms(Conv c, Conv also) {
        double[] norms = new double[c.out()];
        int size = c.filterSize();
        for (int f = 0; f < c.out(); f++) {
            for (int j = 0; j < size; j++) {
                norms[f] += Math.abs(c.weight()[f * size + j]);
            }
            if (also != null) {
                for (int j = 0; j < also.filterSize(); j++) {
                    norms[f] += Math.abs(also.weight()[f * also.filterSize() + j]);
                }
            }
        }
        return norms;
    }

    private static double[] rowNorms(Dense d) {
        double[] norms = new double[d.out()];
        for (int r = 0; r < d.out(); r++) {
            for (int j = 0; j < d.in(); j++) {
                norms[r] += Math.abs(d.weight()[r * d.in() + j]);
            }
        }
        return norms;
    }

    /** Indices (ascending) of the {@code n − floor(ratio·n)} largest norms, at least one. */
    private int[] strongest(double[] norms, int n) {
        int keep = Math.max(1, n - (int) Math.floor(ratio * n));
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> norms[b] != norms[a] ? Double.compare(norms[b], norms[a]) : Integer.compare(a, b));
        int[] kept = new int[keep];
        for (int i = 0; i < keep; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }

    private static float[] pick(float[] values, int[] indices) {
        float[] out = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = values[indices[i]];
        }
        return out;
    }

    private static float[] rows(float[] values, int rowSize, int[] rows) {
        float[] out = new float[rows.length * rowSize];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(values, rows[i] * rowSize, out, i * rowSize, rowSize);
        }
        return out;
    }

    private void record(String path, Layer from, Layer to) {
        changes.add(new LayerChange(path, from.toString(), to.toString(), null, null));
    }
}
