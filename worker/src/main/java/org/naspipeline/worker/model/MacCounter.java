package org.naspipeline.worker.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import org.naspipeline.worker.model.attention.AttentionMacs;
import org.naspipeline.worker.model.attention.MultiHeadAttention;

/**
 * Multiply-accumulates of one forward pass, from the built (initialized) network: each convolution costs
 * output elements × (input channels / groups) × kernel area, each dense layer input × output features (per token on
 * token inputs), an encoder layer its attention exactly (the projections and the QKᵀ and AV products) and its MLP; other
 * layers (activations, pooling, batch-norm, sums) are not counted, as is customary for MACs. Because it reads
 * the actual weight shapes, a network whose layers were rebuilt smaller reports fewer MACs. A multi-head attention
 * block counts as a whole ({@link AttentionMacs}), its projections included, for its current number of heads.
 */
public final class MacCounter {
    private MacCounter() {}

    /** MACs of {@code block} for one input of shape {@code input} (batch dimension included). */
    public static long count(Block block, Shape input) {
        if (block instanceof SequentialBlock seq) {
            long macs = 0;
            Shape shape = input;
            for (Block child : seq.getChildren().values()) {
                macs += count(child, shape);
                shape = child.getOutputShapes(new Shape[] {shape})[0];
            }
            return macs;
        }
        if (block instanceof ParallelBlock par) {
            long macs = 0;
            for (Block child : par.getChildren().values()) {
                macs += count(child, input);
            }
            return macs;
        }
        if (block instanceof TokenBlocks.EncoderBlock encoder) {
            return encoder.macs(input);
        }
        if (block instanceof Convolution conv) {
            Shape out = conv.getOutputShapes(new Shape[] {input})[0];
            Shape w = weight(conv).getShape(); // (out channels, in channels / groups, kh, kw)
            return out.size() * (w.size() / w.get(0));
        }
        if (block instanceof MultiHeadAttention attention) {
            return attention.macs(input);
        }
        if (block instanceof Linear linear) {
            Shape w = weight(linear).getShape(); // (out, in)
            long rows = input.size() / input.get(input.dimension() - 1);
            return rows * w.get(0) * w.get(1);
        }
        return 0;
    }

    private static ai.djl.ndarray.NDArray weight(Block b) {
        Parameter p = b.getParameters().get("weight");
        if (p == null || !p.isInitialized()) {
            throw new IllegalStateException(b.getClass().getSimpleName() + " has no initialized weight; initialize the model first");
        }
        return p.getArray();
    }
}
