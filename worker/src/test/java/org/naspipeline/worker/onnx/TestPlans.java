package org.naspipeline.worker.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Dropout;
import org.naspipeline.worker.model.NetworkPlan.Flatten;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Pool;
import org.naspipeline.worker.model.NetworkPlan.Relu;
import org.naspipeline.worker.model.NetworkPlan.Residual;
import org.naspipeline.worker.model.PlanBlocks;

/** Plans for the ONNX tests, random weights, and DJL's forward pass over a plan. */
final class TestPlans {
    private TestPlans() {}

    /**
     * A 3×8×8 → 4 plan with every layer kind: conv + folded batch norm, depthwise conv, identity and projection
     * residuals, max and average pooling, a standalone batch norm, flatten, a low-rank dense pair, dropout.
     */
    static NetworkPlan everyLayerKind() {
        List<Layer> layers = List.of(
                new Conv(3, 8, 3, 1, true, null, null),
                new Norm(8, null, null, null, null),
                new Relu(),
                new Residual(List.of(new Conv(8, 8, 3, 8, true, null, null), new Norm(8, null, null, null, null), new Relu(),
                        new Conv(8, 8, 1, 1, true, null, null)), List.of()),
                new Pool(true),
                new Residual(List.of(new Conv(8, 6, 3, 1, false, null, null), new Conv(6, 12, 1, 1, true, null, null)),
                        List.of(new Conv(8, 12, 1, 1, false, null, null))),
                new Relu(),
                new Pool(false),
                new Norm(12, null, null, null, null),
                new Flatten(),
                new Dense(48, 5, false, null, null),
                new Dense(5, 16, true, null, null),
                new Relu(),
                new Dropout(0.3),
                new Dense(16, 4, true, null, null));
        return new NetworkPlan(new long[] {3, 8, 8}, 4, layers);
    }

    /** The plan with random weights (uniform ±scale/√fan-in), batch-norm statistics around 0 and 1. */
    static NetworkPlan withRandomWeights(NetworkPlan plan, long seed) {
        Random r = new Random(seed);
        IdentityHashMap<Layer, Layer> with = new IdentityHashMap<>();
        plan.forEachWeighted((path, layer) -> {
            if (layer instanceof Conv c) {
                with.put(c, c.with(uniform(r, c.weightCount(), 1.5 / Math.sqrt(c.filterSize())), c.hasBias() ? uniform(r, c.out(), 0.2) : null));
            } else if (layer instanceof Dense d) {
                with.put(d, d.with(uniform(r, d.in() * d.out(), 1.5 / Math.sqrt(d.in())), d.hasBias() ? uniform(r, d.out(), 0.2) : null));
            } else if (layer instanceof Norm n) {
                float[] var = uniform(r, n.channels(), 0.5);
                for (int i = 0; i < var.length; i++) {
                    var[i] += 1;
                }
                float[] gamma = uniform(r, n.channels(), 0.5);
                for (int i = 0; i < gamma.length; i++) {
                    gamma[i] += 1;
                }
                with.put(n, new Norm(n.channels(), gamma, uniform(r, n.channels(), 0.3), uniform(r, n.channels(), 0.3), var));
            }
        });
        return plan.withReplaced(with);
    }

    static float[] uniform(Random r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** DJL's logits (inference mode) of {@code n} examples through the plan built by {@link PlanBlocks}. */
    static float[] djlLogits(NetworkPlan plan, float[] x, int n) {
        try (NDManager manager = NDManager.newBaseManager()) {
            PlanBlocks.Built built = PlanBlocks.build(plan);
            PlanBlocks.initializeAndLoad(built, manager);
            Shape shape = ModelBuilder.batchShape(plan.inputShape(), n);
            NDArray input = manager.create(x, shape);
            return built.block().forward(new ParameterStore(manager, false), new NDList(input), false).singletonOrThrow().toFloatArray();
        }
    }
}
