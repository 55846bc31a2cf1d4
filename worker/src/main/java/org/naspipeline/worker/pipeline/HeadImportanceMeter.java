package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.util.Arrays;
import java.util.concurrent.locks.Lock;
import org.naspipeline.worker.cpu.MeasurementGate;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;
import org.naspipeline.worker.model.attention.HeadImportance;

/**
 * The head importances of a trained plan's encoder layers over a data set, after Michel et al. 2019: with every head
 * mask at 1, the sum over the examples of |∂L(x)/∂m_h|, L(x) an example's cross-entropy, in inference mode (no
 * dropout), from one backward pass per batch with a mask row per example; then each layer's importances divided by
 * their L2 norm ({@link HeadImportance}).
 */
final class HeadImportanceMeter {
    /** Examples per backward pass. */
    static final int BATCH = 64;

    private HeadImportanceMeter() {}

    /**
     * One array per encoder layer, in forward order. Each backward pass holds {@code engineLock} (DJL's PyTorch engine
     * allows one gradient collector per JVM, which the other slots' training shares) and is a unit of work of
     * {@code gate}.
     */
    static double[][] measure(NetworkPlan plan, TensorData data, Device device, Lock engineLock, MeasurementGate gate) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        try (Model model = Model.newInstance("head-importance", device)) {
            model.setBlock(built.block());
            PlanBlocks.initializeAndLoad(built, model.getNDManager());
            ParameterStore params = new ParameterStore(model.getNDManager(), false);
            Loss loss = Loss.softmaxCrossEntropyLoss();
            int size = data.sampleSize();
            int[] heads = PlanBlocks.heads(built);
            double[][] importance = HeadImportance.zeros(heads);
            try {
                for (int from = 0; from < data.count(); from += BATCH) {
                    int start = from;
                    int n = Math.min(BATCH, data.count() - from);
                    HeadImportance.MaskedLoss batch = masks -> {
                        NDManager scope = masks.get(0).getManager();
                        NDArray x = scope.create(Arrays.copyOfRange(data.features(), start * size, (start + n) * size),
                                ModelMeter.shape(data, n));
                        NDArray y = scope.create(Arrays.copyOfRange(data.labels(), start, start + n));
                        PlanBlocks.headMasks(built, masks);
                        return loss.evaluate(new NDList(y), built.block().forward(params, new NDList(x), false));
                    };
                    // a forward and backward pass is a unit of work, as a training batch is
                    try (MeasurementGate.Work work = gate.work()) {
                        engineLock.lock();
                        try {
                            HeadImportance.addAbsolute(importance,
                                    HeadImportance.gradients(model.getNDManager(), DataType.FLOAT32, heads, n, batch), n);
                        } finally {
                            engineLock.unlock();
                        }
                    }
                }
            } finally {
                PlanBlocks.headMasks(built, null);
            }
            return HeadImportance.normalized(importance);
        }
    }
}
