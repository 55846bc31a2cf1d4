package org.naspipeline.worker.model.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;

/**
 * Head importance after Michel et al. 2019 ("Are Sixteen Heads Really Better than One?"): with every head mask at 1,
 * {@code I_h = Σ_x |∂L(x)/∂m_h|} over the examples x, L(x) an example's cross-entropy loss, then divided by the L2 norm
 * of its layer's importances so that layers compare. The per-example gradients come from one backward pass per batch:
 * each example gets its own row of mask, shape {@code (examples, heads)}, so the batch loss's gradient with respect to
 * row b is example b's alone. The masks are the second input of each {@link MultiHeadAttention}; the caller runs the
 * network and supplies them through {@link MaskedLoss}.
 */
public final class HeadImportance {
    private HeadImportance() {}

    /** One validation batch: the forward pass to its (scalar) loss with the given masks, one per attention layer. */
    @FunctionalInterface
    public interface MaskedLoss {
        /** The loss with {@code masks.get(l)} (shape {@code (rows, heads of layer l)}) as layer l's head mask. */
        NDArray loss(NDList masks);
    }

    /** A batch of {@code examples} examples whose {@code loss} is their mean. */
    public record Batch(int examples, MaskedLoss loss) {}

    /**
     * The importances per layer, each layer's scaled to unit L2 norm (left at 0 where all are 0). {@code heads[l]} is
     * layer l's head count; masks are made of {@code type}, which must be the network's.
     */
    public static double[][] of(NDManager manager, DataType type, int[] heads, Iterable<Batch> batches) {
        double[][] importance = zeros(heads);
        for (Batch batch : batches) {
            addAbsolute(importance, gradients(manager, type, heads, batch.examples(), batch.loss()), batch.examples());
        }
        return normalized(importance);
    }

    /** One all-zero array per layer, {@code heads[l]} long. */
    public static double[][] zeros(int[] heads) {
        double[][] out = new double[heads.length][];
        for (int l = 0; l < heads.length; l++) {
            out[l] = new double[heads[l]];
        }
        return out;
    }

    /**
     * Adds {@code scale · Σ_rows |g|} into {@code sums}, per layer and head. For a batch's mean loss over n examples
     * and per-example rows, scale n makes each term an example's own {@code |∂L(x)/∂m_h|}.
     */
    public static void addAbsolute(double[][] sums, double[][][] g, double scale) {
        for (int l = 0; l < sums.length; l++) {
            for (double[] row : g[l]) {
                for (int h = 0; h < sums[l].length; h++) {
                    sums[l][h] += scale * Math.abs(row[h]);
                }
            }
        }
    }

    /** Each layer's values divided by their L2 norm (left at 0 where all are 0), in place; returns them. */
    public static double[][] normalized(double[][] importance) {
        for (double[] layer : importance) {
            double norm = Math.sqrt(Arrays.stream(layer).map(x -> x * x).sum());
            for (int h = 0; h < layer.length && norm > 0; h++) {
                layer[h] /= norm;
            }
        }
        return importance;
    }

    /**
     * {@code ∂L/∂m} per layer, mask row and head ({@code [layer][row][head]}) at masks of all ones, from one backward
     * pass. The masks are {@code (rows, heads)} leaves that require a gradient: {@code rows} = the batch's examples
     * gives each example its own mask; 1 shares one mask across the batch. The network's parameters also receive
     * (accumulate) gradients, as in any backward pass.
     */
    public static double[][][] gradients(NDManager manager, DataType type, int[] heads, int rows, MaskedLoss loss) {
        try (NDManager scope = manager.newSubManager()) {
            NDList masks = new NDList();
            for (int h : heads) {
                NDArray mask = scope.ones(new Shape(rows, h), type);
                mask.setRequiresGradient(true);
                masks.add(mask);
            }
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                collector.backward(loss.loss(masks));
            }
            double[][][] g = new double[heads.length][rows][];
            for (int l = 0; l < heads.length; l++) {
                double[] flat = masks.get(l).getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
                for (int r = 0; r < rows; r++) {
                    g[l][r] = Arrays.copyOfRange(flat, r * heads[l], (r + 1) * heads[l]);
                }
            }
            return g;
        }
    }
}
