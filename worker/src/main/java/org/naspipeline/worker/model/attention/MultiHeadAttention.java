package org.naspipeline.worker.model.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.naspipeline.worker.model.Scalars;

/**
 * Multi-head self-attention (Vaswani et al. 2017) over a {@code (B, T, D)} sequence: per head h,
 * {@code softmax(Q_h K_hᵀ / sqrt(headDim)) V_h}, the heads' contexts concatenated and projected back to D. The
 * projections are four {@link Linear} children with bias: query, key and value {@code (heads·headDim, D)} and output
 * {@code (D, heads·headDim)}, in DJL's {@code (out, in)} layout. DJL numbers child names, so they are
 * {@code 01query}, {@code 02key}, {@code 03value} and {@code 04output}; {@link #query()} and the like return them.
 * {@code heads·headDim} need not equal D (it is smaller after {@link HeadPruning}).
 *
 * <p>Inputs: the sequence and, optionally, a head mask multiplied into each head's context before the output
 * projection (1 keeps a head, 0 removes it): of shape {@code (heads)} for the whole batch, or {@code (B, heads)}, a row
 * per example. The mask is an input rather than a setting so that a
 * loss can be differentiated with respect to it ({@link HeadImportance}). On padded token ids the encoder calls
 * {@link #attend} with a key keep mask as well, so that no query attends to padding. Outputs: the {@code (B, T, D)} result and,
 * only when built with {@code withProbabilities}, the attention probabilities {@code (B, heads, T, T)} (before the
 * mask) for attention distillation. They are off by default so that the block has one output, as a layer in a
 * {@code SequentialBlock} must.
 */
public final class MultiHeadAttention extends AbstractBlock {
    private static final byte VERSION = 1;

    /** What a padding key's score drops by: enough that its softmax weight is 0 in float32. */
    public static final double PADDING_SCORE = 1e9;

    private final int width;
    private final int heads;
    private final int headDim;
    private final boolean withProbabilities;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;

    /** Attention over {@code width} features with {@code heads} heads of {@code headDim}; one output. */
    public MultiHeadAttention(int width, int heads, int headDim) {
        this(width, heads, headDim, false);
    }

    /** As {@link #MultiHeadAttention(int, int, int)}; {@code withProbabilities} adds the probabilities as a second output. */
    public MultiHeadAttention(int width, int heads, int headDim, boolean withProbabilities) {
        super(VERSION);
        if (width < 1 || heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("width, heads and headDim must be positive: " + width + ", " + heads + ", " + headDim);
        }
        this.width = width;
        this.heads = heads;
        this.headDim = headDim;
        this.withProbabilities = withProbabilities;
        query = addChildBlock("query", projection(heads * headDim));
        key = addChildBlock("key", projection(heads * headDim));
        value = addChildBlock("value", projection(heads * headDim));
        output = addChildBlock("output", projection(width));
    }

    private static Linear projection(int units) {
        return Linear.builder().setUnits(units).optBias(true).build();
    }

    /** Model width D: the input's and the output's last dimension. */
    public int width() {
        return width;
    }

    /** Number of heads. */
    public int heads() {
        return heads;
    }

    /** Width of one head's query, key and value. */
    public int headDim() {
        return headDim;
    }

    /** The query projection, D → heads·headDim. */
    public Linear query() {
        return query;
    }

    /** The key projection, D → heads·headDim. */
    public Linear key() {
        return key;
    }

    /** The value projection, D → heads·headDim. */
    public Linear value() {
        return value;
    }

    /** The output projection, heads·headDim → D. */
    public Linear output() {
        return output;
    }

    /** MACs for one input of shape {@code (B, T, D)}: B times {@link AttentionMacs#of}. */
    public long macs(Shape input) {
        return input.get(0) * AttentionMacs.of(input.get(1), width, heads, headDim);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return attend(store, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, null, training, params);
    }

    /**
     * The forward pass of an initialized block on {@code x}, with an optional head mask (see the class comment) and an
     * optional key keep mask {@code keep} of shape {@code (B, T)}: 1 for a token, 0 for padding, which no query attends
     * to (its score gets −10⁹ before the softmax). Null: none.
     */
    public NDList attend(ParameterStore store, NDArray x, NDArray headMask, NDArray keep, boolean training,
                         PairList<String, Object> params) {
        long batch = x.getShape().get(0);
        long tokens = x.getShape().get(1);
        NDArray q = split(project(query, store, x, training, params), batch, tokens);
        NDArray k = split(project(key, store, x, training, params), batch, tokens);
        NDArray v = split(project(value, store, x, training, params), batch, tokens);
        NDArray scores = Scalars.divide(q.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(headDim));
        if (keep != null) {
            scores = scores.add(Scalars.times(keep.sub(keep.onesLike()), PADDING_SCORE).reshape(batch, 1, 1, tokens));
        }
        NDArray probabilities = scores.softmax(-1);
        NDArray context = probabilities.matMul(v); // (B, heads, T, headDim)
        if (headMask != null) {
            context = context.mul(headMask.reshape(-1, heads, 1, 1));
        }
        NDArray merged = context.transpose(0, 2, 1, 3).reshape(batch, tokens, (long) heads * headDim);
        NDArray out = project(output, store, merged, training, params);
        return withProbabilities ? new NDList(out, probabilities) : new NDList(out);
    }

    private static NDArray project(Linear layer, ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        return layer.forward(store, new NDList(x), training, params).singletonOrThrow();
    }

    /** (B, T, heads·headDim) → (B, heads, T, headDim). */
    private NDArray split(NDArray x, long batch, long tokens) {
        return x.reshape(batch, tokens, heads, headDim).transpose(0, 2, 1, 3);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape out = new Shape(in.get(0), in.get(1), width);
        return withProbabilities ? new Shape[] {out, new Shape(in.get(0), heads, in.get(1), in.get(1))} : new Shape[] {out};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        if (in.dimension() != 3 || in.get(2) != width) {
            throw new IllegalArgumentException("attention of width " + width + " needs input (B, T, " + width + "), not " + in);
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        query.initialize(manager, dataType, in);
        key.initialize(manager, dataType, in);
        value.initialize(manager, dataType, in);
        output.initialize(manager, dataType, new Shape(in.get(0), in.get(1), (long) heads * headDim));
    }
}
