package org.naspipeline.worker.model.attention;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

/**
 * The weights of one {@link MultiHeadAttention} as host arrays in DJL's {@code (out, in)} layout: query, key and
 * value {@code (heads·headDim, width)} with {@code heads·headDim} biases, output {@code (width, heads·headDim)} with
 * {@code width} biases. Head h owns rows {@code h·headDim … h·headDim + headDim − 1} of query, key and value and the
 * same columns of output. Like plans, these are values: nothing here writes into arrays it was given.
 */
public record AttentionWeights(int width, int heads, int headDim, Projection query, Projection key, Projection value,
                               Projection output) {

    /** A dense layer's weight (row-major {@code (out, in)}) and bias. */
    public record Projection(float[] weight, float[] bias) {}

    /** Checks every array's length against the dimensions. */
    public AttentionWeights {
        int inner = heads * headDim;
        check("query", query, inner, width);
        check("key", key, inner, width);
        check("value", value, inner, width);
        check("output", output, width, inner);
    }

    private static void check(String name, Projection p, int out, int in) {
        if (p.weight().length != out * in || p.bias().length != out) {
            throw new IllegalArgumentException(name + " needs a (" + out + ", " + in + ") weight and " + out + " biases, not "
                    + p.weight().length + " and " + p.bias().length + " values");
        }
    }

    /** The block's current weights (it must be initialized). */
    public static AttentionWeights capture(MultiHeadAttention block) {
        return new AttentionWeights(block.width(), block.heads(), block.headDim(), capture(block.query()),
                capture(block.key()), capture(block.value()), capture(block.output()));
    }

    private static Projection capture(Block linear) {
        return new Projection(param(linear, "weight").getArray().toFloatArray(), param(linear, "bias").getArray().toFloatArray());
    }

    /** Sets these weights into {@code block}, which must be initialized with the same width, heads and headDim. */
    public void load(MultiHeadAttention block) {
        if (block.width() != width || block.heads() != heads || block.headDim() != headDim) {
            throw new IllegalArgumentException("weights for width " + width + ", " + heads + " heads of " + headDim
                    + " do not fit a block of width " + block.width() + ", " + block.heads() + " heads of " + block.headDim());
        }
        load(block.query(), query);
        load(block.key(), key);
        load(block.value(), value);
        load(block.output(), output);
    }

    private static void load(Block linear, Projection p) {
        param(linear, "weight").getArray().set(p.weight());
        param(linear, "bias").getArray().set(p.bias());
    }

    private static Parameter param(Block b, String name) {
        Parameter p = b.getParameters().get(name);
        if (p == null || !p.isInitialized()) {
            throw new IllegalStateException("attention projection " + name + " is not initialized; initialize the block first");
        }
        return p;
    }
}
