package org.naspipeline.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic between an array autograd records and a constant. Use these instead of DJL's {@code mul(Number)} and
 * {@code div(Number)} wherever a gradient flows: DJL's PyTorch engine makes the constant a tensor over a Java direct
 * buffer ({@code torch::from_blob}) and closes its wrapper as soon as the operation returns, while the operation's
 * backward keeps that tensor to scale the gradient. Once the garbage collector frees the buffer, the backward reads
 * whatever the memory holds by then, and gradients turn NaN or infinite at random steps with a finite loss. Here the
 * constant is a tensor PyTorch allocates itself ({@code torch::full}), which the graph keeps alive for as long as it
 * needs it. {@code WorkerAutogradSafetyTest} forbids the unsafe calls in the worker.
 */
public final class Scalars {
    private Scalars() {}

    /** {@code x · c}, as a tensor PyTorch owns; the gradient reaching x is scaled by c. */
    public static NDArray times(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    /** {@code x / c}, as a tensor PyTorch owns; the gradient reaching x is divided by c. */
    public static NDArray divide(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    private static NDArray constant(NDArray like, double c) {
        return like.getManager().full(new Shape(), (float) c, like.getDataType());
    }
}
