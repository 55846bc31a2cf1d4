package org.naspipeline.worker.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A network as an explicit list of layers with their channel counts and, once trained, their weights as host
 * arrays. It is the one description both directions use: {@link ModelBuilder} turns an architecture into a
 * plan, {@link PlanBlocks} turns a plan into a DJL block and moves weights between the two, and the
 * compression stages rewrite plans (fewer filters, factorized layers, quantized weights) that are then built
 * again, so a pruned layer is really smaller in the engine.
 *
 * <p>Weight layouts are DJL's: conv {@code (out, in/groups, k, k)}, dense {@code (out, in)}. A layer's weight
 * arrays are null until weights are captured or loaded. Plans are values: a stage returns a new plan and never
 * writes into the arrays of the one it was given.
 */
public record NetworkPlan(long[] inputShape, int classes, List<Layer> layers) {

    /** Copies the list. */
    public NetworkPlan {
        inputShape = inputShape.clone();
        layers = List.copyOf(layers);
    }

    /** A layer of the plan. */
    public sealed interface Layer permits Weighted, Norm, Relu, Pool, Flatten, Dropout, Residual {
        /** The case of {@code cases} for this kind of layer. */
        <R> R accept(Cases<R> cases);
    }

    /**
     * One case per kind of layer. Whatever turns layers into something else (DJL blocks, the layer table's words,
     * the model file's layer JSON, ONNX nodes) implements it, so a new kind of layer does not compile until every
     * one of them says what it is.
     */
    public interface Cases<R> {
        R conv(Conv conv);

        R dense(Dense dense);

        R norm(Norm norm);

        R relu(Relu relu);

        R pool(Pool pool);

        R flatten(Flatten flatten);

        R dropout(Dropout dropout);

        R residual(Residual residual);
    }

    /**
     * A layer of weights that pruning, quantization and factorization act on: a conv or a dense layer. Its weights
     * are {@code out} rows of {@code filterSize} values; {@code mask} (null: none) marks the weights magnitude pruning
     * kept.
     */
    public sealed interface Weighted extends Layer permits Conv, Dense {
        /** Output channels or features: the weight tensor's rows. */
        int out();

        /** Weights per output (a row of the weight tensor). */
        int filterSize();

        /** Whether the layer adds a bias. */
        boolean hasBias();

        /** The weights, or null before training. */
        float[] weight();

        /** The bias, or null (none, or before training). */
        float[] bias();

        /** The magnitude-pruning mask (true = kept), or null. */
        boolean[] mask();

        /** The same layer with other weights. */
        Weighted with(float[] newWeight, float[] newBias);

        /** The same layer with another pruning mask. */
        Weighted withMask(boolean[] newMask);
    }

    /**
     * A k×k "same" convolution of {@code in} to {@code out} channels in {@code groups} groups, stride 1.
     * {@code mask} (null: none) marks the weights magnitude pruning kept; pruned ones stay zero while fine-tuning.
     */
    public record Conv(int in, int out, int kernel, int groups, boolean hasBias, float[] weight, float[] bias,
                       boolean[] mask) implements Weighted {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.conv(this);
        }

        /** A layer without a pruning mask. */
        public Conv(int in, int out, int kernel, int groups, boolean hasBias, float[] weight, float[] bias) {
            this(in, out, kernel, groups, hasBias, weight, bias, null);
        }

        /** Number of weights: out × in/groups × k × k. */
        public int weightCount() {
            return out * (in / groups) * kernel * kernel;
        }

        /** Weights per output filter. */
        @Override
        public int filterSize() {
            return (in / groups) * kernel * kernel;
        }

        @Override
        public Conv with(float[] newWeight, float[] newBias) {
            return new Conv(in, out, kernel, groups, hasBias, newWeight, newBias, mask);
        }

        @Override
        public Conv withMask(boolean[] newMask) {
            return new Conv(in, out, kernel, groups, hasBias, weight, bias, newMask);
        }

        @Override
        public String toString() {
            return "conv" + kernel + "x" + kernel + "(" + in + "→" + out + (groups > 1 ? ", groups " + groups : "") + ")";
        }
    }

    /** Batch normalization over {@code channels}: scale, shift, running mean and variance. */
    public record Norm(int channels, float[] gamma, float[] beta, float[] mean, float[] var) implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.norm(this);
        }

        @Override
        public String toString() {
            return "batchnorm(" + channels + ")";
        }
    }

    /** ReLU. */
    public record Relu() implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.relu(this);
        }
    }

    /** 2×2 pooling with stride 2, max or average. */
    public record Pool(boolean max) implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.pool(this);
        }
    }

    /** Flattens (C, H, W) to C·H·W features, channel-major. */
    public record Flatten() implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.flatten(this);
        }
    }

    /** A dense layer of {@code in} to {@code out} features, with an optional pruning mask as for {@link Conv}. */
    public record Dense(int in, int out, boolean hasBias, float[] weight, float[] bias, boolean[] mask) implements Weighted {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.dense(this);
        }

        /** A layer without a pruning mask. */
        public Dense(int in, int out, boolean hasBias, float[] weight, float[] bias) {
            this(in, out, hasBias, weight, bias, null);
        }

        /** Weights per output feature: its inputs. */
        @Override
        public int filterSize() {
            return in;
        }

        @Override
        public Dense with(float[] newWeight, float[] newBias) {
            return new Dense(in, out, hasBias, newWeight, newBias, mask);
        }

        @Override
        public Dense withMask(boolean[] newMask) {
            return new Dense(in, out, hasBias, weight, bias, newMask);
        }

        @Override
        public String toString() {
            return "dense(" + in + "→" + out + ")";
        }
    }

    /** Dropout at {@code rate} (training only). */
    public record Dropout(double rate) implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.dropout(this);
        }
    }

    /** {@code body(x) + shortcut(x)}; an empty shortcut is the identity. */
    public record Residual(List<Layer> body, List<Layer> shortcut) implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.residual(this);
        }

        /** Copies the lists. */
        public Residual {
            body = List.copyOf(body);
            shortcut = List.copyOf(shortcut);
        }
    }

    /** The same input and classes with other layers. */
    public NetworkPlan withLayers(List<Layer> newLayers) {
        return new NetworkPlan(inputShape, classes, newLayers);
    }

    /** True when every weighted layer carries weights. */
    public boolean hasWeights() {
        boolean[] all = {true};
        forEachWeighted((path, layer) -> {
            if (layer instanceof Weighted w && w.weight() == null || layer instanceof Norm n && n.gamma() == null) {
                all[0] = false;
            }
        });
        return all[0];
    }

    /**
     * Visits every conv, dense and batch-norm layer depth-first in forward order with its path, e.g.
     * {@code layers[4]} or {@code layers[2].body[0]}; the same order {@link PlanBlocks} binds blocks in.
     */
    public void forEachWeighted(BiConsumer<String, Layer> visitor) {
        visit("layers", layers, visitor);
    }

    private static void visit(String prefix, List<Layer> list, BiConsumer<String, Layer> visitor) {
        for (int i = 0; i < list.size(); i++) {
            Layer layer = list.get(i);
            String path = prefix + "[" + i + "]";
            if (layer instanceof Residual r) {
                visit(path + ".body", r.body(), visitor);
                visit(path + ".shortcut", r.shortcut(), visitor);
            } else if (layer instanceof Weighted || layer instanceof Norm) {
                visitor.accept(path, layer);
            }
        }
    }

    /**
     * Rewrites every conv and dense layer with {@code f} (path, layer) → the layers that replace it (one layer,
     * or two for a factorized one), keeping the rest of the structure.
     */
    public NetworkPlan mapWeighted(java.util.function.BiFunction<String, Layer, List<Layer>> f) {
        return withLayers(map("layers", layers, f));
    }

    private static List<Layer> map(String prefix, List<Layer> list, java.util.function.BiFunction<String, Layer, List<Layer>> f) {
        List<Layer> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Layer layer = list.get(i);
            String path = prefix + "[" + i + "]";
            if (layer instanceof Residual r) {
                out.add(new Residual(map(path + ".body", r.body(), f), map(path + ".shortcut", r.shortcut(), f)));
            } else if (layer instanceof Weighted) {
                out.addAll(f.apply(path, layer));
            } else {
                out.add(layer);
            }
        }
        return out;
    }

    /** The plan with the given layers (by identity) replaced, at any depth. */
    public NetworkPlan withReplaced(java.util.IdentityHashMap<Layer, Layer> replacements) {
        return withLayers(replace(layers, replacements));
    }

    private static List<Layer> replace(List<Layer> list, java.util.IdentityHashMap<Layer, Layer> with) {
        List<Layer> out = new ArrayList<>(list.size());
        for (Layer l : list) {
            if (l instanceof Residual r) {
                out.add(new Residual(replace(r.body(), with), replace(r.shortcut(), with)));
            } else {
                out.add(with.getOrDefault(l, l));
            }
        }
        return out;
    }

    /** The weight tensor of a conv or dense layer (what pruning and quantization act on), else null. */
    public static float[] weightOf(Layer layer) {
        return layer instanceof Weighted w ? w.weight() : null;
    }

    /** The magnitude-pruning mask of a conv or dense layer (true = kept), null when it has none. */
    public static boolean[] maskOf(Layer layer) {
        return layer instanceof Weighted w ? w.mask() : null;
    }

    /** The path of the classifier (the last dense layer), which compression never narrows. */
    public String classifierPath() {
        String[] last = {null};
        forEachWeighted((path, layer) -> {
            if (layer instanceof Dense) {
                last[0] = path;
            }
        });
        return last[0];
    }
}
