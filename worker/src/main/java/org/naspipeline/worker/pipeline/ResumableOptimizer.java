package org.naspipeline.worker.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An optimizer whose state can be exported into a checkpoint and imported from one: DJL keeps the moments and
 * update counts of its Adam and SGD private. The update rules are DJL 0.36's (the same fused engine ops with the
 * same arguments): Adam with β1 0.9, β2 0.999, ε 1e-8 and the bias correction folded into the learning rate; SGD
 * with momentum. No weight decay, no gradient rescaling or clipping, as the training loop configures DJL's.
 *
 * <p>The update count is the number of optimizer steps taken. It drives the learning-rate tracker and Adam's bias
 * correction, so a resumed run that imports it continues the schedule where the checkpointed run stopped.
 */
abstract class ResumableOptimizer extends Optimizer {
    private final ParameterTracker learningRate;
    /** Per parameter id: the state arrays ({@link #stateCount()} of them, shaped as the weight). */
    private final Map<String, NDArray[]> states = new ConcurrentHashMap<>();
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private final String name;
    private final int stateCount;
    private volatile int steps;

    private ResumableOptimizer(ParameterTracker learningRate, String name, int stateCount) {
        super(new NoOptions());
        this.learningRate = learningRate;
        this.name = name;
        this.stateCount = stateCount;
    }

    /** Adam with DJL's defaults, its learning rate from {@code learningRate}. */
    static ResumableOptimizer adam(ParameterTracker learningRate) {
        return new Adam(learningRate);
    }

    /** SGD with momentum {@code momentum}, its learning rate from {@code learningRate}. */
    static ResumableOptimizer sgd(ParameterTracker learningRate, float momentum) {
        return new Sgd(learningRate, momentum);
    }

    /** The optimizer's name in a checkpoint: {@code adam} or {@code sgd}. */
    final String name() {
        return name;
    }

    /** How many state arrays each updated parameter has (Adam: mean and variance; SGD: momentum). */
    final int stateCount() {
        return stateCount;
    }

    /** Applies the fused update to {@code weight} with the step number {@code t} (1 for the first step). */
    abstract void apply(NDArray weight, NDArray grad, NDArray[] state, int t, float lr);

    @Override
    public final void update(String parameterId, NDArray weight, NDArray grad) {
        int count = counts.merge(parameterId, 1, Integer::sum);
        int t = Math.max(steps, count);
        steps = t;
        NDArray[] state = states.computeIfAbsent(parameterId, k -> zeros(weight));
        apply(weight, grad, state, t, learningRate.getNewValue(parameterId, t));
    }

    private NDArray[] zeros(NDArray weight) {
        NDArray[] state = new NDArray[stateCount];
        for (int i = 0; i < state.length; i++) {
            state[i] = weight.zerosLike();
            state[i].detach(); // lives as long as the optimizer, not the batch's manager
        }
        return state;
    }

    /** The optimizer steps taken (imported ones included). */
    int steps() {
        return steps;
    }

    /**
     * The state of every parameter updated so far, as float arrays in the order of {@link #stateCount()}, keyed by
     * the name {@code names} gives its id; parameters without a name are left out.
     */
    Map<String, List<float[]>> exportState(Map<String, String> names) {
        Map<String, List<float[]>> out = new LinkedHashMap<>();
        names.forEach((id, name) -> {
            NDArray[] state = states.get(id);
            if (state != null) {
                out.put(name, java.util.Arrays.stream(state).map(NDArray::toFloatArray).toList());
            }
        });
        return out;
    }

    /**
     * Replaces the state: {@code steps} steps taken, and for each parameter id of {@code state} its arrays (shaped
     * as {@code shapes} says), created in {@code manager}. Callers have checked counts and sizes.
     */
    void importState(int steps, Map<String, List<float[]>> state, Map<String, ai.djl.ndarray.types.Shape> shapes,
                     NDManager manager) {
        states.clear();
        counts.clear();
        this.steps = steps;
        state.forEach((id, arrays) -> {
            NDArray[] restored = new NDArray[arrays.size()];
            for (int i = 0; i < restored.length; i++) {
                restored[i] = manager.create(arrays.get(i), shapes.get(id));
                restored[i].detach();
            }
            states.put(id, restored);
            counts.put(id, steps);
        });
    }

    /** DJL's base class wants a builder; nothing of it is used beyond its defaults (no decay, rescale 1, no clip). */
    private static final class NoOptions extends OptimizerBuilder<NoOptions> {
        @Override
        protected NoOptions self() {
            return this;
        }
    }

    private static final class Adam extends ResumableOptimizer {
        private static final float BETA1 = 0.9f;
        private static final float BETA2 = 0.999f;
        private static final float EPSILON = 1e-8f;

        Adam(ParameterTracker learningRate) {
            super(learningRate, "adam", 2);
        }

        @Override
        void apply(NDArray weight, NDArray grad, NDArray[] state, int t, float lr) {
            // the bias corrections of both moments, folded into one rate as DJL does
            float corrected = (float) (lr * Math.sqrt(1.0 - Math.pow(BETA2, t)) / (1.0 - Math.pow(BETA1, t)));
            if (!Float.isFinite(corrected)) {
                throw new IllegalStateException("learning rate became " + corrected + " at step " + t);
            }
            weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, state[0], state[1]), new NDList(weight),
                    lr, corrected, getWeightDecay(), rescaleGrad, clipGrad, BETA1, BETA2, EPSILON, true, false);
        }
    }

    private static final class Sgd extends ResumableOptimizer {
        private final float momentum;

        Sgd(ParameterTracker learningRate, float momentum) {
            super(learningRate, "sgd", 1);
            this.momentum = momentum;
        }

        @Override
        void apply(NDArray weight, NDArray grad, NDArray[] state, int t, float lr) {
            weight.getNDArrayInternal().sgdUpdate(new NDList(weight, grad, state[0]), new NDList(weight), lr,
                    getWeightDecay(), rescaleGrad, clipGrad, momentum, true);
        }
    }
}
