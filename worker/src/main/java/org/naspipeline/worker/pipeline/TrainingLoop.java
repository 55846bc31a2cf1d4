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
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import ai.djl.training.ParameterStore;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.worker.compress.DistillationLoss;
import org.naspipeline.worker.compress.LayerDistillation;
import org.naspipeline.worker.model.EncoderTrace;
import org.naspipeline.worker.model.PlanBlocks;
import org.naspipeline.worker.cpu.MeasurementGate;
import org.naspipeline.worker.cpu.WorkerCpu;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.data.TensorData;

/**
 * The training loop of a trial: softmax cross-entropy, Adam or SGD (momentum 0.9), constant or cosine learning
 * rate, shuffled mini-batches. Between batches it checks for cancellation; a non-finite loss ends training;
 * after each epoch it measures validation accuracy and reports progress. The gradient step runs under the
 * JVM-wide engine lock (see {@link TrialRunner}); each batch is a unit of work of the host-wide measurement gate,
 * so training pauses at a batch boundary while a latency measurement runs on this host (the pause is not counted
 * as training time). Each epoch starts by applying the slot's thread budget.
 *
 * <p>A {@link Regime} adapts it to distillation and fine-tuning: with a teacher, each batch's teacher logits are
 * computed in inference mode and detached before the student's gradient is recorded, and the loss is the
 * {@link DistillationLoss}, plus TinyBERT's hidden-state and attention terms ({@link LayerDistillation}) when the
 * distillation settings ask for them: both networks' encoder layers are traced for the batch, and the student is trained
 * inside a wrapper block that holds the learned width projections, taken off the model again when training ends; an
 * after-step hook re-applies pruning masks after every optimizer step. For a
 * multi-fidelity request the regime carries a {@link Checkpoints.Start}: its {@link ResumableOptimizer} (restored from a
 * checkpoint, or fresh) and the first epoch, so a resumed run trains and reports epochs {@code resumeEpoch+1} on.
 * When the rung counts training examples, each epoch's batches come in the order of {@link EpochOrder} (the trial's
 * seed and the epoch decide it), a resumed run starts inside its first epoch after the batches already trained, and
 * training stops after the step that reaches the rung's examples, reporting that epoch, unfinished, as its last.
 */
final class TrainingLoop {
    private static final float MOMENTUM = 0.9f;
    private final Device device;
    private final Lock engineLock;
    private final WorkerCpu cpu;
    private final MeasurementGate gate;

    /**
     * A loop that applies {@code cpu}'s thread budget at each epoch start and whose batches are units of work of its
     * measurement gate: they pause while a latency measurement runs on this host.
     */
    TrainingLoop(Device device, Lock engineLock, WorkerCpu cpu) {
        this.device = device;
        this.engineLock = engineLock;
        this.cpu = cpu;
        this.gate = cpu.gate();
    }

    /** The JVM-wide engine lock held around each gradient collection (one collector at a time in DJL's PyTorch engine). */
    Lock engineLock() {
        return engineLock;
    }

    MeasurementGate gate() {
        return gate;
    }

    /** Outcome of training: a failure reason, or the last epoch's loss, its validation accuracy and the throughput. */
    record Stats(String failure, double lastEpochLoss, double validationAccuracy, double seconds, double samplesPerSecond) {
        static Stats failed(String reason) {
            return new Stats(reason, Double.NaN, Double.NaN, 0, 0);
        }
    }

    /**
     * How one training run goes: its settings, an optional teacher to distil from (with the distillation
     * settings), a hook run after every optimizer step with the step number and the total, and whether epochs
     * are reported as the trial's progress.
     */
    record Regime(TrainingSpec training, Model teacher, DistillationSpec distillation, StepHook afterStep,
                  boolean reportProgress, Checkpoints.Start start) {
        /** A regime that trains from epoch 1 with a DJL optimizer. */
        Regime(TrainingSpec training, Model teacher, DistillationSpec distillation, StepHook afterStep,
               boolean reportProgress) {
            this(training, teacher, distillation, afterStep, reportProgress, null);
        }

        /** Plain training with the request's settings. */
        static Regime of(TrialRequest req) {
            return new Regime(req.training(), null, null, null, true);
        }

        /**
         * This regime for a multi-fidelity request: trained with {@code start}'s optimizer (whose schedule spans the
         * fidelity's epochs) from its first epoch; null keeps this one.
         */
        Regime startingAt(Checkpoints.Start start) {
            return new Regime(training, teacher, distillation, afterStep, reportProgress, start);
        }
    }

    /** Runs after every optimizer step. */
    interface StepHook {
        void afterStep(long step, long totalSteps);
    }

    Stats train(TrialRequest req, Model model, DatasetSplits data, ProgressListener progress, BooleanSupplier cancelled)
            throws TranslateException, IOException {
        return train(req, Regime.of(req), model, data, progress, cancelled);
    }

    Stats train(TrialRequest req, Regime regime, Model model, DatasetSplits data, ProgressListener progress,
                BooleanSupplier cancelled) throws TranslateException, IOException {
        Loss loss0 = regime.teacher() == null ? Loss.softmaxCrossEntropyLoss()
                : new DistillationLoss(regime.distillation().loss(), regime.distillation().temperature(),
                        regime.distillation().alpha());
        ParameterStore teacherParams = regime.teacher() == null ? null
                : new ParameterStore(regime.teacher().getNDManager(), false);
        LayerDistillation layers;
        try {
            layers = layerDistillation(regime, model);
        } catch (IllegalArgumentException e) {
            return Stats.failed(e.getMessage());
        }
        ai.djl.nn.Block network = model.getBlock();
        if (layers != null) {
            model.setBlock(layers.trainingBlock()); // the projections train with the student; put back below
        }
        try {
            return train(req, regime, model, data, progress, cancelled, loss0, teacherParams, layers);
        } finally {
            model.setBlock(network);
        }
    }

    /** The intermediate-layer terms when the regime distils them, or null. */
    private static LayerDistillation layerDistillation(Regime regime, Model student) {
        if (regime.teacher() == null || regime.distillation().intermediate() == null) {
            return null;
        }
        return LayerDistillation.of(regime.distillation().intermediate(), student.getBlock(), regime.teacher().getBlock());
    }

    private Stats train(TrialRequest req, Regime regime, Model model, DatasetSplits data, ProgressListener progress,
                        BooleanSupplier cancelled, Loss loss0, ParameterStore teacherParams, LayerDistillation layers)
            throws TranslateException, IOException {
        TensorData train = data.train();
        TrainingSpec t = regime.training();
        int stepsPerEpoch = stepsPerEpoch(train, t);
        Checkpoints.Start start = regime.start();
        Checkpoints.Examples examples = start == null ? null : start.examples();
        long totalSteps = examples != null ? examples.stopStep() : (long) stepsPerEpoch * t.epochs();
        long step = start == null ? 0 : start.optimizer().steps();
        int firstEpoch = start == null ? 1 : start.firstEpoch();
        int lastEpoch = start == null ? t.epochs() : start.endEpoch(t.epochs());
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss0)
                .optOptimizer(start != null ? start.optimizer() : optimizer(t, stepsPerEpoch * t.epochs()))
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
            for (int epoch = firstEpoch; epoch <= lastEpoch; epoch++) {
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                int batchIndex = examples != null && epoch == firstEpoch ? examples.skipBatches() : 0;
                cpu.applyTrainingThreads(); // workers started or stopped on this host since change the share
                long epochStart = System.nanoTime();
                long paused = 0; // waiting for latency measurements elsewhere: not training time
                ArrayDataset batches = examples == null ? dataset : new ArrayDataset.Builder().setData(x).optLabels(y)
                        .setSampling(new EpochOrder(req.seed(), epoch, t.batchSize(), batchIndex)).build();
                for (Batch batch : trainer.iterateDataset(batches)) {
                    try (batch; MeasurementGate.Work work = enter(req, epoch, batchIndex)) {
                        paused += work.waitedNanos();
                        if (cancelled.getAsBoolean()) {
                            throw new TrialCancelledException("trial " + req.trialId() + " cancelled at epoch "
                                    + epoch + " batch " + batchIndex);
                        }
                        NDArray labels = batch.getLabels().singletonOrThrow();
                        engineLock.lock();
                        NDList targets;
                        try {
                            targets = teacherParams == null ? batch.getLabels() : teacherTargets(regime, teacherParams, batch, layers);
                        } catch (RuntimeException e) {
                            engineLock.unlock();
                            throw e;
                        }
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList predictions = forward(trainer, batch, layers);
                            NDArray loss = trainer.getLoss().evaluate(targets, predictions);
                            if (layers != null) {
                                try {
                                    loss = loss.add(layers.loss());
                                } catch (IllegalArgumentException e) {
                                    return Stats.failed(e.getMessage());
                                }
                            }
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
                        step++;
                        if (regime.afterStep() != null) {
                            regime.afterStep().afterStep(step, totalSteps);
                        }
                        batchIndex++;
                    }
                    if (examples != null && step >= examples.stopStep()) {
                        break; // the rung's examples are reached, inside this epoch or at its end
                    }
                }
                trainNanos += System.nanoTime() - epochStart - paused;
                samples += seen;
                epochLoss = lossSum / Math.max(1, seen);
                double throughput = samples / (trainNanos / 1e9);
                validationAccuracy = ModelMeter.accuracy(model, data.validation(), gate);
                if (!regime.reportProgress()) {
                    continue;
                }
                progress.onEpoch(new TrialEvent.Progress(ExperimentSpec.SCHEMA_VERSION, req.experimentId(),
                        req.trialId(), req.attempt(), epoch, lastEpoch, epochLoss, (double) correct / Math.max(1, seen),
                        validationAccuracy, throughput));
            }
            double seconds = trainNanos / 1e9;
            return new Stats(null, epochLoss, validationAccuracy, seconds, samples / seconds);
        }
    }

    /** Enters the gate for a batch; an interrupt while waiting for a measurement ends the trial as cancelled. */
    private MeasurementGate.Work enter(TrialRequest req, int epoch, int batchIndex) {
        try {
            return gate.work();
        } catch (CancellationException e) {
            throw new TrialCancelledException("trial " + req.trialId() + " interrupted at epoch " + epoch + " batch "
                    + batchIndex + " while a latency measurement ran");
        }
    }

    /**
     * The labels and the teacher's logits for a batch. The teacher runs in inference
     * mode before the student's gradient collector opens, and its logits are detached: it stays frozen.
     */
    private static NDList teacherTargets(Regime regime, ParameterStore teacherParams, Batch batch, LayerDistillation layers) {
        ai.djl.nn.Block teacher = regime.teacher().getBlock();
        NDList out = traced(teacher, layers == null ? null : layers.teacherTrace(),
                () -> teacher.forward(teacherParams, batch.getData(), false));
        return new NDList(batch.getLabels().singletonOrThrow(), out.singletonOrThrow().stopGradient());
    }

    /** The student's forward pass, its encoder layers traced when intermediate layers are distilled. */
    private static NDList forward(Trainer trainer, Batch batch, LayerDistillation layers) {
        return traced(layers == null ? null : layers.trainingBlock(), layers == null ? null : layers.studentTrace(),
                () -> trainer.forward(batch.getData()));
    }

    /** Runs {@code pass} with {@code network}'s encoder layers recording into {@code trace}; just runs it when trace is null. */
    private static NDList traced(ai.djl.nn.Block network, EncoderTrace trace, java.util.function.Supplier<NDList> pass) {
        if (trace == null) {
            return pass.get();
        }
        PlanBlocks.trace(network, trace);
        try {
            return pass.get();
        } finally {
            PlanBlocks.trace(network, null);
        }
    }

    /** The optimizer steps of one epoch: one per batch, the last one possibly short. */
    static int stepsPerEpoch(TensorData train, TrainingSpec t) {
        return (train.count() + t.batchSize() - 1) / t.batchSize();
    }

    private static Optimizer optimizer(TrainingSpec t, int totalSteps) {
        ParameterTracker rate = rate(t, totalSteps);
        return "sgd".equals(t.optimizer())
                ? Optimizer.sgd().setLearningRateTracker(rate).optMomentum(MOMENTUM).build()
                : Optimizer.adam().optLearningRateTracker(rate).build();
    }

    /**
     * The same optimizer as DJL's that {@link #train} uses, but with its state exportable: for multi-fidelity
     * requests, whose schedule spans {@code totalSteps} (the fidelity's schedule epochs, not the request's).
     */
    static ResumableOptimizer resumableOptimizer(TrainingSpec t, int totalSteps) {
        ParameterTracker rate = rate(t, totalSteps);
        return "sgd".equals(t.optimizer()) ? ResumableOptimizer.sgd(rate, MOMENTUM) : ResumableOptimizer.adam(rate);
    }

    /** Constant, or cosine decay to 0 over {@code totalSteps} steps. */
    private static ParameterTracker rate(TrainingSpec t, int totalSteps) {
        float lr = t.learningRate().floatValue();
        return "cosine".equals(t.schedule())
                ? Tracker.cosine().setBaseValue(lr).optFinalValue(0f).setMaxUpdates(Math.max(1, totalSteps)).build()
                : Tracker.fixed(lr);
    }
}
