package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.data.TensorData;

/**
 * The training loop of a trial: softmax cross-entropy, Adam or SGD (momentum 0.9), constant or cosine learning
 * rate, shuffled mini-batches. Between batches it checks for cancellation; a non-finite loss ends training;
 * after each epoch it measures validation accuracy and reports progress. The gradient step runs under the
 * JVM-wide engine lock (see {@link TrialRunner}).
 */
final class TrainingLoop {
    private final Device device;
    private final Lock engineLock;

    TrainingLoop(Device device, Lock engineLock) {
        this.device = device;
        this.engineLock = engineLock;
    }

    /** Outcome of training: a failure reason, or the last epoch's loss, its validation accuracy and the throughput. */
    record Stats(String failure, double lastEpochLoss, double validationAccuracy, double seconds, double samplesPerSecond) {
        static Stats failed(String reason) {
            return new Stats(reason, Double.NaN, Double.NaN, 0, 0);
        }
    }

    Stats train(TrialRequest req, Model model, DatasetSplits data, ProgressListener progress, BooleanSupplier cancelled)
            throws TranslateException, IOException {
        TensorData train = data.train();
        TrainingSpec t = req.training();
        int stepsPerEpoch = (train.count() + t.batchSize() - 1) / t.batchSize();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(optimizer(t, stepsPerEpoch * t.epochs()))
                .optDevices(new Device[] {device});
        try (NDManager manager = model.getNDManager().newSubManager();
             Trainer trainer = model.newTrainer(config)) {
            NDArray x = manager.create(train.features(), ModelMeter.shape(train, train.count()));
            NDArray y = manager.create(train.labels(), new ai.djl.ndarray.types.Shape(train.count()));
            ArrayDataset dataset = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(t.batchSize(), true).build();
            trainer.initialize(ModelMeter.shape(train, 1));
            long trainNanos = 0; // training only: the per-epoch validation pass is not counted in throughput
            long samples = 0;
            double epochLoss = Double.NaN;
            double validationAccuracy = Double.NaN;
            for (int epoch = 1; epoch <= t.epochs(); epoch++) {
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                int batchIndex = 0;
                long epochStart = System.nanoTime();
                for (Batch batch : trainer.iterateDataset(dataset)) {
                    try (batch) {
                        if (cancelled.getAsBoolean()) {
                            throw new TrialCancelledException("trial " + req.trialId() + " cancelled at epoch "
                                    + epoch + " batch " + batchIndex);
                        }
                        NDArray labels = batch.getLabels().singletonOrThrow();
                        engineLock.lock();
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList predictions = trainer.forward(batch.getData());
                            NDArray loss = trainer.getLoss().evaluate(batch.getLabels(), predictions);
                            collector.backward(loss);
                            float lossValue = loss.getFloat();
                            if (!Float.isFinite(lossValue)) {
                                return Stats.failed("loss became " + lossValue + " at epoch " + epoch + " batch "
                                        + batchIndex + " (learning rate " + t.learningRate() + ")");
                            }
                            long n = labels.getShape().get(0);
                            lossSum += lossValue * n;
                            correct += predictions.singletonOrThrow().argMax(1).toType(labels.getDataType(), false)
                                    .eq(labels).countNonzero().getLong();
                            seen += n;
                        } finally {
                            engineLock.unlock();
                        }
                        trainer.step();
                        batchIndex++;
                    }
                }
                trainNanos += System.nanoTime() - epochStart;
                samples += seen;
                epochLoss = lossSum / Math.max(1, seen);
                double throughput = samples / (trainNanos / 1e9);
                validationAccuracy = ModelMeter.accuracy(model, data.validation());
                progress.onEpoch(new TrialEvent.Progress(ExperimentSpec.SCHEMA_VERSION, req.experimentId(),
                        req.trialId(), req.attempt(), epoch, t.epochs(), epochLoss, (double) correct / Math.max(1, seen),
                        validationAccuracy, throughput));
            }
            double seconds = trainNanos / 1e9;
            return new Stats(null, epochLoss, validationAccuracy, seconds, samples / seconds);
        }
    }

    private static Optimizer optimizer(TrainingSpec t, int totalSteps) {
        float lr = t.learningRate().floatValue();
        ai.djl.training.tracker.ParameterTracker rate = "cosine".equals(t.schedule())
                ? Tracker.cosine().setBaseValue(lr).optFinalValue(0f).setMaxUpdates(Math.max(1, totalSteps)).build()
                : Tracker.fixed(lr);
        return "sgd".equals(t.optimizer())
                ? Optimizer.sgd().setLearningRateTracker(rate).optMomentum(0.9f).build()
                : Optimizer.adam().optLearningRateTracker(rate).build();
    }
}
