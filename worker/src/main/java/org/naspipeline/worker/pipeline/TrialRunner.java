package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.data.ImageData;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.UnbuildableArchitectureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one trial end to end without Kafka: build the model from the candidate, train it on the resolved
 * dataset, measure test accuracy, batch-1 latency, parameters and saved size. {@code TrialResult run(TrialRequest)}
 * is the whole contract; the worker service and {@code nas evaluate} both call it.
 */
public final class TrialRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TrialRunner.class);
    private static final int LATENCY_WARMUP = 20;
    private static final int LATENCY_RUNS = 200;
    private static final int EVAL_BATCH = 256;

    private final Path dataDir;
    private final ArtifactStore artifacts;
    private final String workerId;
    private final Device device;
    private final Lock engineLock;
    /** Parsed splits keyed by split and limit, so consecutive trials do not re-read the IDX files. */
    private final Map<String, ImageData> cache = new ConcurrentHashMap<>();

    /**
     * A runner reading data from {@code dataDir} and saving models to {@code artifacts}.
     *
     * @param engineLock held around each training step. DJL's PyTorch engine allows one gradient collector
     *     per process at a time (a static flag in {@code PtGradientCollector}), so every runner of one JVM must
     *     share the same lock; trials then interleave batch by batch.
     */
    public TrialRunner(Path dataDir, ArtifactStore artifacts, String workerId, Device device, Lock engineLock) {
        this.dataDir = dataDir;
        this.artifacts = artifacts;
        this.workerId = workerId;
        this.device = device;
        this.engineLock = engineLock;
    }

    /** Runs the trial, reporting epochs to {@code progress}, checking {@code cancelled} between batches. */
    public TrialResult run(TrialRequest req, ProgressListener progress, BooleanSupplier cancelled) {
        if (!req.candidate().compression().isNone()) {
            return failed(req, "compression stages are not implemented in this worker yet; only the no-op "
                    + "compression config is supported (got " + req.candidate().compression() + ")", false);
        }
        if (!"fashion-mnist".equals(req.dataset().name())) {
            return failed(req, "dataset '" + req.dataset().name() + "' is not supported by this worker", false);
        }
        ImageData train;
        ImageData test;
        try {
            train = data("train", req.dataset().trainLimit());
            test = data("t10k", req.dataset().testLimit());
        } catch (IOException e) {
            return failed(req, "cannot read the dataset in " + dataDir + ": " + e.getMessage(), true);
        }
        ModelBuilder builder = new ModelBuilder(train.channels(), train.height(), train.width(), train.classes());
        Block block;
        try {
            block = builder.build(req.candidate().architecture());
        } catch (UnbuildableArchitectureException e) {
            return failed(req, "unbuildable architecture: " + e.getMessage(), false);
        }
        Engine.getInstance().setRandomSeed((int) (req.seed() ^ (req.seed() >>> 32)));
        try (Model model = Model.newInstance(req.trialId(), device)) {
            model.setBlock(block);
            TrainingStats stats = train(req, model, builder, train, progress, cancelled);
            if (stats.failure() != null) {
                return failed(req, stats.failure(), false);
            }
            double accuracy = evaluate(model, test);
            double[] latency = measureLatency(model, builder, test);
            long params = countParameters(block);
            ArtifactStore.StoredArtifact artifact = artifacts.saveModel(req, model);
            TrialMetrics metrics = new TrialMetrics(accuracy, stats.lastEpochLoss(), latency[0], latency[1], params,
                    artifact.sizeBytes(), stats.seconds(), stats.samplesPerSecond(), train.count(), test.count(),
                    device.toString(), threads());
            artifacts.attachMetadata(artifact, req, metrics);
            LOG.info("trial {} attempt {}: accuracy {} latency p50 {} ms params {} size {} B in {} s",
                    req.trialId(), req.attempt(), String.format("%.4f", accuracy), String.format("%.3f", latency[0]),
                    params, artifact.sizeBytes(), String.format("%.1f", stats.seconds()));
            return new TrialResult.Completed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), workerId, metrics, artifact.uri());
        } catch (IOException e) {
            return failed(req, "cannot save the artifact: " + e.getMessage(), true);
        } catch (TranslateException e) {
            return failed(req, "training failed: " + e.getMessage(), true);
        }
    }

    private ImageData data(String split, Integer limit) throws IOException {
        int n = limit == null ? Integer.MAX_VALUE : limit;
        String key = split + ":" + n;
        ImageData cached = cache.get(key);
        if (cached == null) {
            cached = ImageData.load(dataDir, split, n);
            cache.put(key, cached);
        }
        return cached;
    }

    private TrainingStats train(TrialRequest req, Model model, ModelBuilder builder, ImageData data,
                                ProgressListener progress, BooleanSupplier cancelled)
            throws TranslateException, IOException {
        int batchSize = req.training().batchSize();
        int epochs = req.training().epochs();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(optimizer(req))
                .optDevices(new Device[] {device});
        try (NDManager manager = model.getNDManager().newSubManager();
             Trainer trainer = model.newTrainer(config)) {
            NDArray x = manager.create(data.images(), new Shape(data.count(), data.channels(), data.height(), data.width()));
            NDArray y = manager.create(data.labels(), new Shape(data.count()));
            ArrayDataset dataset = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(batchSize, true).build();
            trainer.initialize(builder.inputShape(1));
            long start = System.nanoTime();
            long samples = 0;
            double epochLoss = Double.NaN;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                int batchIndex = 0;
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
                                return TrainingStats.failed("loss became " + lossValue + " at epoch " + epoch
                                        + " batch " + batchIndex + " (learning rate " + req.training().learningRate() + ")");
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
                samples += seen;
                epochLoss = lossSum / Math.max(1, seen);
                double elapsed = (System.nanoTime() - start) / 1e9;
                progress.onEpoch(new TrialEvent.Progress(ExperimentSpec.SCHEMA_VERSION, req.experimentId(),
                        req.trialId(), req.attempt(), epoch, epochs, epochLoss, (double) correct / Math.max(1, seen),
                        samples / elapsed));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new TrainingStats(null, epochLoss, seconds, samples / seconds);
        }
    }

    private Optimizer optimizer(TrialRequest req) {
        float lr = req.training().learningRate().floatValue();
        return switch (req.training().optimizer()) {
            case "sgd" -> Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr)).optMomentum(0.9f).build();
            default -> Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build();
        };
    }

    /** Top-1 accuracy over the whole split, in inference mode. */
    private static double evaluate(Model model, ImageData data) {
        long correct = 0;
        ParameterStore params = new ParameterStore(model.getNDManager(), false);
        for (int from = 0; from < data.count(); from += EVAL_BATCH) {
            int n = Math.min(EVAL_BATCH, data.count() - from);
            int size = data.channels() * data.height() * data.width();
            try (NDManager scope = model.getNDManager().newSubManager()) {
                NDArray x = scope.create(Arrays.copyOfRange(data.images(), from * size, (from + n) * size),
                        new Shape(n, data.channels(), data.height(), data.width()));
                NDArray y = scope.create(Arrays.copyOfRange(data.labels(), from, from + n));
                NDArray predicted = model.getBlock().forward(params, new NDList(x), false).singletonOrThrow().argMax(1);
                correct += predicted.toType(y.getDataType(), false).eq(y).countNonzero().getLong();
            }
        }
        return (double) correct / data.count();
    }

    /** Batch-1 forward latency in ms after warm-up: {p50, p95}. */
    private static double[] measureLatency(Model model, ModelBuilder builder, ImageData data) {
        int size = data.channels() * data.height() * data.width();
        ParameterStore params = new ParameterStore(model.getNDManager(), false);
        long[] nanos = new long[LATENCY_RUNS];
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(Arrays.copyOfRange(data.images(), 0, size), builder.inputShape(1));
            for (int i = -LATENCY_WARMUP; i < LATENCY_RUNS; i++) {
                long t0 = System.nanoTime();
                try (NDManager run = scope.newSubManager()) {
                    NDArray out = model.getBlock().forward(params, new NDList(x), false).singletonOrThrow();
                    out.attach(run);
                    out.getFloat(0, 0); // forces the result back to the host, so asynchronous devices are timed fully
                }
                if (i >= 0) {
                    nanos[i] = System.nanoTime() - t0;
                }
            }
        }
        Arrays.sort(nanos);
        return new double[] {nanos[LATENCY_RUNS / 2] / 1e6, nanos[(int) (LATENCY_RUNS * 0.95)] / 1e6};
    }

    private static long countParameters(Block block) {
        long total = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            total += p.getValue().getArray().size();
        }
        return total;
    }

    private static int threads() {
        try {
            return ai.djl.pytorch.jni.JniUtils.getNumThreads();
        } catch (RuntimeException | LinkageError e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    private TrialResult.Failed failed(TrialRequest req, String reason, boolean retriable) {
        LOG.warn("trial {} attempt {} failed: {}", req.trialId(), req.attempt(), reason);
        return new TrialResult.Failed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(), req.attempt(),
                workerId, reason, retriable);
    }

    private record TrainingStats(String failure, double lastEpochLoss, double seconds, double samplesPerSecond) {
        static TrainingStats failed(String reason) {
            return new TrainingStats(reason, Double.NaN, 0, 0);
        }
    }
}
