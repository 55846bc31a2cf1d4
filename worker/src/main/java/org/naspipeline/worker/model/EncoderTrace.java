package org.naspipeline.worker.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * What a transformer's encoder layers computed in one forward pass, for intermediate-layer distillation: the hidden
 * states {@code h_0} (the first encoder layer's input, i.e. the embedding output) and {@code h_1…h_L} (each encoder
 * layer's output), each {@code (B, T, D)}, and each layer's attention probabilities {@code (B, heads, T, T)}. Set it on
 * a network with {@link PlanBlocks#trace}; it fills during the next forward passes until it is cleared.
 */
public final class EncoderTrace {
    private final List<NDArray> hidden = new ArrayList<>();
    private final List<NDArray> attention = new ArrayList<>();

    void record(NDArray input, NDArray output, NDArray probabilities) {
        if (hidden.isEmpty()) {
            hidden.add(input);
        }
        hidden.add(output);
        attention.add(probabilities);
    }

    /** {@code h_0…h_L}: the embedding output, then each encoder layer's output. */
    public List<NDArray> hidden() {
        return hidden;
    }

    /** Each encoder layer's attention probabilities, in forward order. */
    public List<NDArray> attention() {
        return attention;
    }

    /** Forgets the recorded arrays (they belong to the batch that computed them). */
    public void clear() {
        hidden.clear();
        attention.clear();
    }
}
