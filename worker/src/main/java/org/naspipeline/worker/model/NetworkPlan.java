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
    public sealed interface Layer permits Weighted, Stateful, Relu, Pool, Flatten, Dropout, Residual, Patches, Encoder, TokenPool {
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

        R patches(Patches patches);

        R embed(Embed embed);

        R layerNorm(LayerNorm layerNorm);

        R encoder(Encoder encoder);

        R tokenPool(TokenPool tokenPool);
    }

    /**
     * A layer whose trained values are not a weight matrix (batch-norm scales and statistics, layer-norm scales,
     * learned embeddings): arrays with the names the layer's DJL block gives its parameters, in a fixed order. Their
     * values are null until weights are captured or loaded.
     */
    public sealed interface Stateful extends Layer permits Norm, LayerNorm, Embed {
        /** The arrays' names, in order: the DJL block's parameter names. */
        List<String> names();

        /** The arrays in {@link #names()} order (null entries before training). */
        List<float[]> values();

        /** The same layer with other arrays, in {@link #names()} order. */
        Stateful withValues(List<float[]> values);
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
    public record Norm(int channels, float[] gamma, float[] beta, float[] mean, float[] var) implements Stateful {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.norm(this);
        }

        @Override
        public List<String> names() {
            return List.of("gamma", "beta", "runningMean", "runningVar");
        }

        @Override
        public List<float[]> values() {
            return java.util.Arrays.asList(gamma, beta, mean, var);
        }

        @Override
        public Norm withValues(List<float[]> v) {
            return new Norm(channels, v.get(0), v.get(1), v.get(2), v.get(3));
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

    /**
     * Splits a (C, H, W) image into (H/p)·(W/p) non-overlapping p×p patches, row by row, each flattened channel-major
     * to C·p·p values: tokens (T, C·p·p), ViT-style. A dense layer after it embeds each patch.
     */
    public record Patches(int channels, int patch) implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.patches(this);
        }

        /** Values per patch: C·p·p. */
        public int features() {
            return channels * patch * patch;
        }

        @Override
        public String toString() {
            return "patches" + patch + "x" + patch;
        }
    }

    /**
     * Learned token embeddings. On token ids ({@code vocabulary} > 0) the input is (T) ids (as floats) and each id is
     * first looked up in a learned table of {@code vocabulary} rows of D; id 0 is padding, which attention and mean
     * pooling leave out (the key-padding mask starts here). On (T, D) tokens (images: after the patch embedding;
     * {@code vocabulary} 0) there is no table. Then, with {@code cls}, a learned class token is put first (T + 1
     * tokens; it is never padding), and a learned position embedding (one row of D per token) is added.
     */
    public record Embed(int tokens, int width, boolean cls, float[] clsToken, float[] positions, int vocabulary, float[] table)
            implements Stateful {
        /** Checks the arrays, when there are any, against the shape: a class token of width, a position per token, a row per id. */
        public Embed {
            if (positions != null && positions.length != (long) (tokens + (cls ? 1 : 0)) * width
                    || clsToken != null && (!cls || clsToken.length != width)) {
                throw new IllegalArgumentException("an embedding of " + tokens + " tokens" + (cls ? " + class token" : "") + " of "
                        + width + " needs " + (tokens + (cls ? 1 : 0)) * width + " position values" + (cls ? " and " + width
                        + " class-token values" : " and no class token") + ", not " + (positions == null ? 0 : positions.length)
                        + (clsToken == null ? "" : " and " + clsToken.length));
            }
            if (vocabulary < 0 || vocabulary == 1 || table != null && table.length != (long) vocabulary * width) {
                throw new IllegalArgumentException("a token table of " + vocabulary + " ids of " + width + " needs a vocabulary of "
                        + "0 (no table) or ≥ 2 and " + (long) vocabulary * width + " values, not " + (table == null ? 0 : table.length));
            }
        }

        /** Embeddings of (T, D) tokens, without a token table. */
        public Embed(int tokens, int width, boolean cls, float[] clsToken, float[] positions) {
            this(tokens, width, cls, clsToken, positions, 0, null);
        }

        /** Embeddings of (T) token ids from a table of {@code vocabulary} rows (weights to come). */
        public static Embed ofIds(int tokens, int width, boolean cls, int vocabulary) {
            return new Embed(tokens, width, cls, null, null, vocabulary, null);
        }

        /** True when the input is token ids, looked up in the table. */
        public boolean looksUpIds() {
            return vocabulary > 0;
        }

        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.embed(this);
        }

        @Override
        public String toString() {
            return "embedding(" + (looksUpIds() ? vocabulary + " ids → " : "") + tokens + " tokens" + (cls ? " + class token" : "")
                    + ", " + width + ")";
        }

        /** Tokens after the class token, if any, is put first. */
        public int outTokens() {
            return tokens + (cls ? 1 : 0);
        }

        @Override
        public List<String> names() {
            List<String> names = new ArrayList<>(3);
            if (looksUpIds()) {
                names.add("table");
            }
            if (cls) {
                names.add("cls");
            }
            names.add("positions");
            return names;
        }

        @Override
        public List<float[]> values() {
            List<float[]> values = new ArrayList<>(3);
            if (looksUpIds()) {
                values.add(table);
            }
            if (cls) {
                values.add(clsToken);
            }
            values.add(positions);
            return values;
        }

        @Override
        public Embed withValues(List<float[]> v) {
            int i = 0;
            float[] newTable = looksUpIds() ? v.get(i++) : null;
            float[] newCls = cls ? v.get(i++) : null;
            return new Embed(tokens, width, cls, newCls, v.get(i), vocabulary, newTable);
        }
    }

    /** Layer normalization over the last dimension ({@code width}), ε = 1e-5: scale and shift. */
    public record LayerNorm(int width, float[] gamma, float[] beta) implements Stateful {
        /** Checks the arrays, when there are any: {@code width} values each. */
        public LayerNorm {
            if (gamma != null && gamma.length != width || beta != null && beta.length != width) {
                throw new IllegalArgumentException("a layer norm of width " + width + " needs " + width + " scales and shifts, not "
                        + (gamma == null ? 0 : gamma.length) + " and " + (beta == null ? 0 : beta.length));
            }
        }

        /** The ε every layer norm of a plan uses (DJL's default, and the ONNX export's). */
        public static final float EPSILON = 1e-5f;

        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.layerNorm(this);
        }

        @Override
        public List<String> names() {
            return List.of("gamma", "beta");
        }

        @Override
        public List<float[]> values() {
            return java.util.Arrays.asList(gamma, beta);
        }

        @Override
        public LayerNorm withValues(List<float[]> v) {
            return new LayerNorm(width, v.get(0), v.get(1));
        }

        @Override
        public String toString() {
            return "layernorm(" + width + ")";
        }
    }

    /**
     * One transformer encoder layer (BERT/ViT) on (T, D) tokens: multi-head self-attention of {@code heads} heads
     * of {@code headDim} (query, key, value D → heads·headDim, output heads·headDim → D), then a GELU MLP (fc1
     * D → hidden, fc2 hidden → D), each added to its input. Pre-norm: {@code x + attn(norm1(x))}, then
     * {@code x + mlp(norm2(x))}; post-norm: {@code norm1(x + attn(x))}, then {@code norm2(x + mlp(x))}. Dropout at
     * {@code dropout} follows the attention's output projection and fc2 (training only).
     *
     * <p>After low-rank factorization an MLP layer is two dense layers: {@code fc1First} (D → r, no bias) then
     * {@code fc1} (r → hidden, with fc1's bias), and likewise {@code fc2First} then {@code fc2}; null when not factorized.
     */
    public record Encoder(int heads, int headDim, boolean preNorm, double dropout, LayerNorm norm1, Dense query,
                          Dense key, Dense value, Dense output, LayerNorm norm2, Dense fc1, Dense fc2, Dense fc1First,
                          Dense fc2First) implements Layer {
        /** Checks that the parts fit together: widths D and heads·headDim, and the MLP's hidden width. */
        public Encoder {
            int width = query.in();
            int inner = heads * headDim;
            int fc1In = fc1First == null ? fc1.in() : fc1First.in();
            int fc2In = fc2First == null ? fc2.in() : fc2First.in();
            if (heads < 1 || headDim < 1 || key.in() != width || value.in() != width || output.out() != width
                    || query.out() != inner || key.out() != inner || value.out() != inner || output.in() != inner
                    || norm1.width() != width || norm2.width() != width || fc1In != width || fc2.out() != width
                    || fc2In != fc1.out() || fc1First != null && (fc1First.out() != fc1.in() || fc1First.hasBias())
                    || fc2First != null && (fc2First.out() != fc2.in() || fc2First.hasBias())) {
                throw new IllegalArgumentException("an encoder of " + heads + " heads of " + headDim + " needs query, key and value "
                        + "D → " + inner + ", output " + inner + " → D, norms of D and fc1 D → h, fc2 h → D (each possibly a "
                        + "bias-free factor → r, then r → out); got " + query + ", " + key + ", " + value + ", " + output + ", "
                        + norm1 + ", " + norm2 + ", " + (fc1First == null ? "" : fc1First + " + ") + fc1 + ", "
                        + (fc2First == null ? "" : fc2First + " + ") + fc2);
            }
        }

        /** An encoder whose MLP layers are not factorized. */
        public Encoder(int heads, int headDim, boolean preNorm, double dropout, LayerNorm norm1, Dense query, Dense key,
                       Dense value, Dense output, LayerNorm norm2, Dense fc1, Dense fc2) {
            this(heads, headDim, preNorm, dropout, norm1, query, key, value, output, norm2, fc1, fc2, null, null);
        }

        /** The names of the parts of an encoder without factorized layers: the paths under the layer's own. */
        public static final List<String> PART_NAMES = List.of("norm1", "query", "key", "value", "output", "norm2", "fc1", "fc2");

        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.encoder(this);
        }

        /** Model width D. */
        public int width() {
            return query.in();
        }

        /** The MLP's hidden width. */
        public int hidden() {
            return fc1.out();
        }

        /** The MLP layers that are factorized: {@code fc1}, {@code fc2}, both or none. */
        public List<String> factorized() {
            List<String> out = new ArrayList<>(2);
            if (fc1First != null) {
                out.add("fc1");
            }
            if (fc2First != null) {
                out.add("fc2");
            }
            return out;
        }

        /**
         * The names of {@link #parts()}, in order: {@link #PART_NAMES}, with {@code fc1.first} before {@code fc1} and
         * {@code fc2.first} before {@code fc2} where they are factorized.
         */
        public List<String> partNames() {
            return partNames(factorized());
        }

        /** The part names of an encoder whose {@code factorized} MLP layers ({@code fc1}, {@code fc2}) are factorized. */
        public static List<String> partNames(List<String> factorized) {
            List<String> names = new ArrayList<>(10);
            for (String name : PART_NAMES) {
                if (factorized.contains(name)) {
                    names.add(name + ".first");
                }
                names.add(name);
            }
            return names;
        }

        /** The layers with trained values, in the order blocks are bound and files written ({@link #partNames()}). */
        public List<Layer> parts() {
            List<Layer> parts = new ArrayList<>(java.util.Arrays.asList(norm1, query, key, value, output, norm2));
            if (fc1First != null) {
                parts.add(fc1First);
            }
            parts.add(fc1);
            if (fc2First != null) {
                parts.add(fc2First);
            }
            parts.add(fc2);
            return parts;
        }

        /** The same encoder with other parts, in {@link #parts()} order (the same factorized layers). */
        public Encoder withParts(List<Layer> p) {
            return of(heads, headDim, preNorm, dropout, factorized(), p);
        }

        /** An encoder of these settings and parts, in {@link #partNames(List)} order for its {@code factorized} layers. */
        public static Encoder of(int heads, int headDim, boolean preNorm, double dropout, List<String> factorized, List<Layer> p) {
            List<String> names = partNames(factorized);
            if (p.size() != names.size()) {
                throw new IllegalArgumentException("an encoder with " + (factorized.isEmpty() ? "no" : factorized) + " factorized "
                        + "layers has the " + names.size() + " parts " + names + ", not " + p.size());
            }
            java.util.function.Function<String, Layer> part = name -> p.get(names.indexOf(name));
            return new Encoder(heads, headDim, preNorm, dropout, (LayerNorm) part.apply("norm1"), (Dense) part.apply("query"),
                    (Dense) part.apply("key"), (Dense) part.apply("value"), (Dense) part.apply("output"),
                    (LayerNorm) part.apply("norm2"), (Dense) part.apply("fc1"), (Dense) part.apply("fc2"),
                    factorized.contains("fc1") ? (Dense) part.apply("fc1.first") : null,
                    factorized.contains("fc2") ? (Dense) part.apply("fc2.first") : null);
        }

        @Override
        public String toString() {
            return "encoder(" + width() + ", " + heads + "×" + headDim + " heads, mlp " + hidden()
                    + (fc1First == null && fc2First == null ? "" : " low-rank " + (fc1First == null ? "-" : fc1First.out())
                    + "/" + (fc2First == null ? "-" : fc2First.out()))
                    + (preNorm ? ", pre-norm" : ", post-norm") + ")";
        }
    }

    /** (T, D) tokens to D features: the first (class) token's, or the mean over tokens. */
    public record TokenPool(boolean cls) implements Layer {
        @Override
        public <R> R accept(Cases<R> cases) {
            return cases.tokenPool(this);
        }

        @Override
        public String toString() {
            return cls ? "class token" : "mean over tokens";
        }
    }

    /** The same input and classes with other layers. */
    public NetworkPlan withLayers(List<Layer> newLayers) {
        return new NetworkPlan(inputShape, classes, newLayers);
    }

    /** The number of token ids the plan's embedding looks up (its input is ids below it), or 0 when its input is not ids. */
    public int vocabulary() {
        return layers.stream().filter(l -> l instanceof Embed).mapToInt(l -> ((Embed) l).vocabulary()).findFirst().orElse(0);
    }

    /** True when the plan has transformer encoder layers (what head pruning, layer dropping and layer distillation need). */
    public boolean hasEncoders() {
        return layers.stream().anyMatch(l -> l instanceof Encoder);
    }

    /** True when every weighted layer carries weights. */
    public boolean hasWeights() {
        boolean[] all = {true};
        forEachWeighted((path, layer) -> {
            if (layer instanceof Weighted w && w.weight() == null || layer instanceof Stateful st && st.values().contains(null)) {
                all[0] = false;
            }
        });
        return all[0];
    }

    /**
     * Visits every layer with trained values (conv, dense, {@link Stateful}) depth-first in forward order with its
     * path, e.g. {@code layers[4]}, {@code layers[2].body[0]} or {@code layers[3].query}; the same order
     * {@link PlanBlocks} binds blocks in.
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
            } else if (layer instanceof Encoder e) {
                List<String> names = e.partNames();
                List<Layer> parts = e.parts();
                for (int p = 0; p < names.size(); p++) {
                    visitor.accept(path + "." + names.get(p), parts.get(p));
                }
            } else if (layer instanceof Weighted || layer instanceof Stateful) {
                visitor.accept(path, layer);
            }
        }
    }

    /**
     * Rewrites every conv and dense layer with {@code f} (path, layer) → the layers that replace it (one layer,
     * or two for a factorized one), keeping the rest of the structure. Inside an encoder a dense layer is replaced
     * by exactly one dense layer of the same shape, except an MLP layer not factorized yet ({@code fc1}, {@code fc2}),
     * which may become a bias-free dense layer to some rank and one from that rank to its outputs.
     *
     * @throws IllegalArgumentException naming the path where {@code f} would change an encoder's structure otherwise
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
            } else if (layer instanceof Encoder e) {
                out.add(mapEncoder(path, e, f));
            } else if (layer instanceof Weighted) {
                out.addAll(f.apply(path, layer));
            } else {
                out.add(layer);
            }
        }
        return out;
    }

    private static Encoder mapEncoder(String path, Encoder e, java.util.function.BiFunction<String, Layer, List<Layer>> f) {
        List<String> names = e.partNames();
        List<Layer> parts = new ArrayList<>(e.parts());
        List<String> factorized = new ArrayList<>(e.factorized());
        List<Layer> out = new ArrayList<>(parts.size() + 2);
        for (int p = 0; p < parts.size(); p++) {
            String name = names.get(p);
            if (!(parts.get(p) instanceof Dense d)) {
                out.add(parts.get(p));
                continue;
            }
            String at = path + "." + name;
            List<Layer> with = f.apply(at, d);
            boolean sameShape = with.size() == 1 && with.get(0) instanceof Dense nd && nd.in() == d.in() && nd.out() == d.out();
            boolean factors = with.size() == 2 && (name.equals("fc1") || name.equals("fc2")) && !factorized.contains(name)
                    && with.get(0) instanceof Dense first && with.get(1) instanceof Dense second && first.in() == d.in()
                    && !first.hasBias() && second.in() == first.out() && second.out() == d.out();
            if (!sameShape && !factors) {
                throw new IllegalArgumentException(at + ": an encoder's dense layer can only be replaced by one dense layer "
                        + "of the same shape (" + d + "), or an MLP layer by its two low-rank factors, not " + with);
            }
            if (factors) {
                factorized.add(name);
            }
            out.addAll(with);
        }
        factorized.sort(java.util.Comparator.naturalOrder());
        return Encoder.of(e.heads(), e.headDim(), e.preNorm(), e.dropout(), factorized, out);
    }

    /** The plan with the given layers (by identity) replaced, at any depth: leaves, residuals or encoders. */
    public NetworkPlan withReplaced(java.util.IdentityHashMap<Layer, Layer> replacements) {
        return withLayers(replace(layers, replacements));
    }

    private static List<Layer> replace(List<Layer> list, java.util.IdentityHashMap<Layer, Layer> with) {
        List<Layer> out = new ArrayList<>(list.size());
        for (Layer l : list) {
            if (with.containsKey(l)) {
                out.add(with.get(l));
            } else if (l instanceof Residual r) {
                out.add(new Residual(replace(r.body(), with), replace(r.shortcut(), with)));
            } else if (l instanceof Encoder e) {
                out.add(e.withParts(e.parts().stream().map(p -> with.getOrDefault(p, p)).toList()));
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
