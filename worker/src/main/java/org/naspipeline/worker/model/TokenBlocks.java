package org.naspipeline.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.List;
import org.naspipeline.worker.model.attention.AttentionMacs;
import org.naspipeline.worker.model.attention.MultiHeadAttention;

/**
 * The DJL blocks of the plan's token layers ({@link NetworkPlan.Patches}, {@link NetworkPlan.Embed},
 * {@link NetworkPlan.Encoder}, {@link NetworkPlan.TokenPool}), on {@code (B, T, D)} tokens. Each follows the
 * semantics its plan layer's javadoc gives, which the ONNX export writes too.
 *
 * <p>On token ids the stream between the embedding and the pooling is two arrays: the tokens and their keep mask
 * {@code (B, T)}, 1 for a token and 0 for padding (id 0). The encoder layers pass the mask to attention, where a
 * padding key gets no weight, and on; the layer norm after them passes it on ({@link StreamLayerNorm}); mean pooling
 * averages the kept tokens only. On image patches the stream is the tokens alone.
 */
final class TokenBlocks {
    private TokenBlocks() {}

    /** A layer norm over the last axis, ε {@link NetworkPlan.LayerNorm#EPSILON}; parameters gamma and beta. */
    static LayerNorm layerNorm() {
        return LayerNorm.builder().axis(2).optEpsilon(NetworkPlan.LayerNorm.EPSILON).build();
    }

    /** (B, C, H, W) → (B, H/p·W/p, C·p·p): non-overlapping patches, row by row, each channel-major. */
    static final class PatchesBlock extends AbstractBlock {
        private final int patch;

        PatchesBlock(int patch) {
            this.patch = patch;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            Shape s = x.getShape();
            long c = s.get(1);
            long gh = s.get(2) / patch;
            long gw = s.get(3) / patch;
            NDArray t = x.reshape(s.get(0), c, gh, patch, gw, patch).transpose(0, 2, 4, 1, 3, 5);
            return new NDList(t.reshape(s.get(0), gh * gw, c * patch * patch));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            Shape s = in[0];
            return new Shape[] {new Shape(s.get(0), (s.get(2) / patch) * (s.get(3) / patch), s.get(1) * patch * patch)};
        }

        @Override
        protected void prepare(Shape[] in) {
            Shape s = in[0];
            if (s.dimension() != 4 || s.get(2) % patch != 0 || s.get(3) % patch != 0) {
                throw new IllegalArgumentException(patch + "×" + patch + " patches need (B, C, H, W) input with H and W multiples of "
                        + patch + ", not " + s);
            }
        }
    }

    /**
     * On token ids, looks each id up in a learned table; puts a learned class token first (when {@code cls}) and adds
     * learned positions; parameters table (ids only), cls, positions. On ids it outputs the tokens and their keep mask
     * (see {@link TokenBlocks}); on (B, T, D) tokens only the tokens.
     */
    static final class EmbedBlock extends AbstractBlock {
        private final boolean cls;
        private final Parameter table;
        private final Parameter classToken;
        private final Parameter positions;

        EmbedBlock(NetworkPlan.Embed e) {
            this.cls = e.cls();
            NormalInitializer init = new NormalInitializer(0.02f);
            this.table = e.looksUpIds() ? addParameter(Parameter.builder().setName("table").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(e.vocabulary(), e.width())).optInitializer(init).build()) : null;
            this.classToken = cls ? addParameter(Parameter.builder().setName("cls").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1, 1, e.width())).optInitializer(init).build()) : null;
            this.positions = addParameter(Parameter.builder().setName("positions").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1, e.outTokens(), e.width())).optInitializer(init).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            // every result is computed from the input, so it lives in the input's (per-batch) manager: an op on a
            // parameter first would attach its result, and the autograd graph behind it, to the model for good
            NDArray x = inputs.get(0);
            NDArray keep = null;
            if (table != null) {
                NDArray ids = x.toType(DataType.INT64, false);
                keep = ids.neq(ids.zerosLike()).toType(DataType.FLOAT32, false);
                x = x.getNDArrayInternal().embedding(ids, store.getValue(table, x.getDevice(), training), SparseFormat.DENSE)
                        .singletonOrThrow();
            }
            if (cls) {
                NDArray token = store.getValue(classToken, x.getDevice(), training);
                NDArray first = x.get(new NDIndex(":, 0:1, :")).zerosLike().add(token);
                x = NDArrays.concat(new NDList(first, x), 1);
                if (keep != null) {
                    keep = NDArrays.concat(new NDList(keep.get(new NDIndex(":, 0:1")).onesLike(), keep), 1);
                }
            }
            NDArray out = x.add(store.getValue(positions, x.getDevice(), training));
            return keep == null ? new NDList(out) : new NDList(out, keep);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            Shape s = in[0];
            long outTokens = s.get(1) + (cls ? 1 : 0);
            if (table == null) {
                return new Shape[] {new Shape(s.get(0), outTokens, s.get(2))};
            }
            long width = positions.getShape().get(2);
            return new Shape[] {new Shape(s.get(0), outTokens, width), new Shape(s.get(0), outTokens)};
        }

        @Override
        protected void prepare(Shape[] in) {
            Shape s = in[0];
            long expected = positions.getShape().get(1) - (cls ? 1 : 0);
            if (table != null ? s.dimension() != 2 || s.get(1) != expected : s.dimension() != 3 || s.get(1) != expected) {
                throw new IllegalArgumentException("an embedding of " + expected + (table != null ? " token ids needs (B, " + expected
                        + ") ids" : " tokens needs (B, " + expected + ", D) tokens") + ", not " + s);
            }
        }
    }

    /** A layer norm on the token stream: the tokens normalized as {@link #layerNorm()} does, a keep mask passed on. */
    static final class StreamLayerNorm extends LayerNorm {
        StreamLayerNorm() {
            super(LayerNorm.builder().axis(2).optEpsilon(NetworkPlan.LayerNorm.EPSILON));
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDList out = super.forwardInternal(store, new NDList(inputs.get(0)), training, params);
            return inputs.size() > 1 ? new NDList(out.singletonOrThrow(), inputs.get(1)) : out;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return in.clone();
        }
    }

    /**
     * (B, T, D) → (B, D): the first token's features, or the mean over tokens; with a keep mask, the mean over the kept
     * tokens only (a row that keeps none gives zeros).
     */
    static final class TokenPoolBlock extends AbstractBlock {
        private final boolean cls;

        TokenPoolBlock(boolean cls) {
            this.cls = cls;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.get(0);
            if (cls) {
                return new NDList(x.get(new NDIndex(":, 0, :")));
            }
            if (inputs.size() == 1) {
                return new NDList(x.mean(new int[] {1}));
            }
            NDArray keep = inputs.get(1);
            NDArray kept = keep.sum(new int[] {1}, true);
            return new NDList(x.mul(keep.expandDims(2)).sum(new int[] {1}).div(kept.maximum(kept.onesLike())));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return new Shape[] {new Shape(in[0].get(0), in[0].get(2))};
        }
    }

    /**
     * One encoder layer (see {@link NetworkPlan.Encoder}): attention and a GELU MLP, each with its residual, pre- or
     * post-norm. {@link #parts()} gives the blocks of its parameters in {@link NetworkPlan.Encoder#partNames()} order.
     */
    static final class EncoderBlock extends AbstractBlock {
        private final boolean preNorm;
        private final LayerNorm norm1;
        private final MultiHeadAttention attention;
        private final LayerNorm norm2;
        private final List<ai.djl.nn.Block> parts;
        private final Linear fc1First;
        private final Linear fc1;
        private final Linear fc2First;
        private final Linear fc2;
        private final Dropout drop;
        private NDArray headMask;
        private EncoderTrace trace;

        EncoderBlock(NetworkPlan.Encoder e) {
            this.preNorm = e.preNorm();
            this.norm1 = addChildBlock("norm1", layerNorm());
            this.attention = addChildBlock("attention", new MultiHeadAttention(e.width(), e.heads(), e.headDim(), true));
            this.norm2 = addChildBlock("norm2", layerNorm());
            this.fc1First = e.fc1First() == null ? null : addChildBlock("fc1First", linear(e.fc1First()));
            this.fc1 = addChildBlock("fc1", linear(e.fc1()));
            this.fc2First = e.fc2First() == null ? null : addChildBlock("fc2First", linear(e.fc2First()));
            this.fc2 = addChildBlock("fc2", linear(e.fc2()));
            this.drop = addChildBlock("dropout", Dropout.builder().optRate((float) e.dropout()).build());
            java.util.Map<String, ai.djl.nn.Block> byName = new java.util.HashMap<>(java.util.Map.of("norm1", norm1, "query",
                    attention.query(), "key", attention.key(), "value", attention.value(), "output", attention.output(),
                    "norm2", norm2, "fc1", fc1, "fc2", fc2));
            if (fc1First != null) {
                byName.put("fc1.first", fc1First);
            }
            if (fc2First != null) {
                byName.put("fc2.first", fc2First);
            }
            this.parts = e.partNames().stream().map(byName::get).toList();
        }

        private static Linear linear(NetworkPlan.Dense d) {
            return Linear.builder().setUnits(d.out()).optBias(d.hasBias()).build();
        }

        /** The blocks holding the parts' parameters, in {@link NetworkPlan.Encoder#partNames()} order. */
        List<ai.djl.nn.Block> parts() {
            return parts;
        }

        /** The MLP's dense layers in forward order: fc1 (after its first factor, if any), then fc2 likewise. */
        private List<Linear> mlpLayers() {
            return parts.subList(6, parts.size()).stream().map(b -> (Linear) b).toList();
        }

        /** The attention's head count. */
        int heads() {
            return attention.heads();
        }

        /**
         * Multiplies each head's context by {@code mask} (shape (heads) or (batch, heads); null: none) in later forward
         * passes, so a loss can be differentiated with respect to it (head importance).
         */
        void headMask(NDArray mask) {
            this.headMask = mask;
        }

        /** The model width D. */
        int width() {
            return attention.width();
        }

        /** Records this layer's input, output and attention probabilities into {@code trace} in later forward passes (null: stop). */
        void trace(EncoderTrace trace) {
            this.trace = trace;
        }

        /** MACs for one input of shape (B, T, D): the attention's, exactly, and the MLP's dense layers (two, or four factors). */
        long macs(Shape in) {
            long rows = in.get(0) * in.get(1);
            long mlp = 0;
            for (Linear layer : mlpLayers()) {
                mlp += layer.getParameters().get("weight").getArray().getShape().size(); // (out, in): out·in MACs a row
            }
            return in.get(0) * AttentionMacs.of(in.get(1), attention.width(), attention.heads(), attention.headDim()) + rows * mlp;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray input = inputs.get(0);
            NDArray keep = inputs.size() > 1 ? inputs.get(1) : null;
            NDArray[] probabilities = new NDArray[1];
            NDArray out;
            if (preNorm) {
                NDArray x = input.add(attend(store, run(norm1, store, input, training, params), keep, probabilities, training, params));
                out = x.add(mlp(store, run(norm2, store, x, training, params), training, params));
            } else {
                NDArray x = run(norm1, store, input.add(attend(store, input, keep, probabilities, training, params)), training, params);
                out = run(norm2, store, x.add(mlp(store, x, training, params)), training, params);
            }
            if (trace != null) {
                trace.record(input, out, probabilities[0]);
            }
            return keep == null ? new NDList(out) : new NDList(out, keep);
        }

        /** The attention's dropped-out output (padding keys masked when {@code keep} is not null); its probabilities go to {@code probabilities[0]}. */
        private NDArray attend(ParameterStore store, NDArray x, NDArray keep, NDArray[] probabilities, boolean training,
                               PairList<String, Object> params) {
            NDList attended = attention.attend(store, x, headMask, keep, training, params);
            probabilities[0] = attended.get(1);
            return run(drop, store, attended.get(0), training, params);
        }

        private NDArray mlp(ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
            NDArray in1 = fc1First == null ? x : run(fc1First, store, x, training, params);
            NDArray hidden = Activation.gelu(run(fc1, store, in1, training, params));
            NDArray in2 = fc2First == null ? hidden : run(fc2First, store, hidden, training, params);
            return run(drop, store, run(fc2, store, in2, training, params), training, params);
        }

        private static NDArray run(ai.djl.nn.Block b, ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
            return b.forward(store, new NDList(x), training, params).singletonOrThrow();
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return in.clone();
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... in) {
            Shape s = in[0];
            norm1.initialize(manager, dataType, s);
            attention.initialize(manager, dataType, s);
            norm2.initialize(manager, dataType, s);
            Shape x = s;
            for (Linear layer : mlpLayers()) { // each reads the previous one's output
                layer.initialize(manager, dataType, x);
                x = layer.getOutputShapes(new Shape[] {x})[0];
            }
            drop.initialize(manager, dataType, s);
        }
    }
}
