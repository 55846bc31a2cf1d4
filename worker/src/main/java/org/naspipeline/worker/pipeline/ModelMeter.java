package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.Arrays;
import org.naspipeline.worker.cpu.MeasurementGate;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.measure.LatencyTimer;

/** Measures a trained model: accuracy on a split, forward latency, parameter counts. */
final class ModelMeter {
    static final int EVAL_BATCH = 256;

    private ModelMeter() {}

    /**
     * Top-1 accuracy over the split, in inference mode, each batch a unit of work of {@code gate} (so it pauses for
     * a latency measurement elsewhere on the host).
     */
    static double accuracy(Model model, TensorData data, MeasurementGate gate) {
        long correct = 0;
        ParameterStore params = new ParameterStore(model.getNDManager(), false);
        int size = data.sampleSize();
        for (int from = 0; from < data.count(); from += EVAL_BATCH) {
            int n = Math.min(EVAL_BATCH, data.count() - from);
            try (MeasurementGate.Work work = gate.work(); NDManager scope = model.getNDManager().newSubManager()) {
                NDArray x = scope.create(Arrays.copyOfRange(data.features(), from * size, (from + n) * size), shape(data, n));
                NDArray y = scope.create(Arrays.copyOfRange(data.labels(), from, from + n));
                NDArray predicted = model.getBlock().forward(params, new NDList(x), false).singletonOrThrow().argMax(1);
                correct += predicted.toType(y.getDataType(), false).eq(y).countNonzero().getLong();
            }
        }
        return (double) correct / data.count();
    }

    static Shape shape(TensorData data, int batch) {
        return org.naspipeline.worker.model.ModelBuilder.batchShape(data.sampleShape(), batch);
    }

    /**
     * Times forward passes at {@code batch} examples with {@link LatencyTimer}, reading the result back to the host
     * each time so that asynchronous devices are timed to completion.
     */
    static LatencyTimer.Stats latency(Model model, TensorData data, int batch, int runs) {
        int size = data.sampleSize();
        int n = Math.min(batch, data.count());
        ParameterStore params = new ParameterStore(model.getNDManager(), false);
        try (NDManager scope = model.getNDManager().newSubManager()) {
            float[] input = new float[batch * size];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(data.features(), (i % n) * size, input, i * size, size);
            }
            NDArray x = scope.create(input, shape(data, batch));
            return LatencyTimer.time(() -> {
                try (NDManager run = scope.newSubManager()) {
                    NDArray out = model.getBlock().forward(params, new NDList(x), false).singletonOrThrow();
                    out.attach(run);
                    out.getFloat(0, 0);
                }
            }, runs);
        }
    }

    /** {total, non-zero} parameter counts. */
    static long[] parameters(Block block) {
        long total = 0;
        long nonZero = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            total += a.size();
            nonZero += a.countNonzero().getLong();
        }
        return new long[] {total, nonZero};
    }

    /** Device memory in use after training where the engine exposes it (CUDA), else null. */
    static Long deviceMemoryBytes(Device device) {
        if (!device.isGpu()) {
            return null;
        }
        return ai.djl.util.cuda.CudaUtils.getGpuMemory(device).getUsed();
    }
}
