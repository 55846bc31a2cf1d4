package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.naspipeline.worker.cpu.WorkerCpu;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.model.ModelBuilder;

/**
 * Training throughput of the trial pipeline's loop (progress, NaN check, cancellation check, engine lock,
 * per-batch accuracy) against a bare DJL loop (forward, loss, backward, step, nothing else) on the same model,
 * data, batch size, optimizer and thread count, alternating the two so drift on a noisy machine hits both.
 */
public final class TrainingThroughputBenchmark {
    /** Samples/s of each round of each loop, their medians and the ratio pipeline / bare. */
    public record Result(String candidate, int trainSamples, int batchSize, int rounds, String device, int threads,
                         List<Double> bareSamplesPerSecond, List<Double> pipelineSamplesPerSecond,
                         double bareMedian, double pipelineMedian, double ratio) {}

    private final Device device;
    private final WorkerCpu cpu;

    /** A benchmark on {@code device}, both loops on {@code cpu}'s thread budget (applied by the pipeline's loop). */
    public TrainingThroughputBenchmark(Device device, WorkerCpu cpu) {
        this.device = device;
        this.cpu = cpu;
    }

    /** Runs {@code rounds} epochs of each loop over {@code data}'s training split. */
    public Result run(Candidate candidate, DatasetSplits data, int batchSize, int rounds) throws TranslateException, IOException {
        TrainingSpec training = new TrainingSpec(1, batchSize, 0.002, "adam");
        TrialRequest req = new TrialRequest(1, "bench", "bench-trial", 1, candidate, new DatasetSpec("fashion-mnist", null, null),
                training, 7L);
        List<Double> bare = new ArrayList<>();
        List<Double> pipeline = new ArrayList<>();
        // the pipeline's loop with its real thread budget and host-wide gate, so that their cost is in the ratio
        TrainingLoop loop = new TrainingLoop(device, new ReentrantLock(), cpu);
        for (int round = 0; round < rounds; round++) {
            bare.add(bare(candidate, data, batchSize));
            Engine.getInstance().setRandomSeed(7);
            try (Model model = newModel(candidate, data)) {
                pipeline.add(loop.train(req, model, data, ProgressListener.NONE, () -> false).samplesPerSecond());
            }
        }
        double b = median(bare);
        double p = median(pipeline);
        return new Result(candidate.architecture().summary(), data.train().count(), batchSize, rounds, device.toString(),
                ai.djl.pytorch.jni.JniUtils.getNumThreads(), bare, pipeline, b, p, p / b);
    }

    private Model newModel(Candidate candidate, DatasetSplits data) {
        Model model = Model.newInstance("bench", device);
        model.setBlock(ModelBuilder.of(data.train()).build(candidate.architecture()));
        return model;
    }

    /** The reference: DJL's training step and nothing else. */
    private double bare(Candidate candidate, DatasetSplits data, int batchSize) throws TranslateException, IOException {
        Engine.getInstance().setRandomSeed(7);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.002f)).build())
                .optDevices(new Device[] {device});
        try (Model model = newModel(candidate, data);
             NDManager manager = model.getNDManager().newSubManager();
             Trainer trainer = model.newTrainer(config)) {
            NDArray x = manager.create(data.train().features(), ModelMeter.shape(data.train(), data.train().count()));
            NDArray y = manager.create(data.train().labels());
            ArrayDataset dataset = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(batchSize, true).build();
            trainer.initialize(ModelMeter.shape(data.train(), 1));
            long samples = 0;
            long start = System.nanoTime();
            for (Batch batch : trainer.iterateDataset(dataset)) {
                try (batch; GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray loss = trainer.getLoss().evaluate(batch.getLabels(), trainer.forward(batch.getData()));
                    collector.backward(loss);
                    samples += batch.getSize();
                }
                trainer.step();
            }
            return samples / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
