package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.cpu.WorkerCpu;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.data.Datasets;
import org.naspipeline.worker.measure.LatencyTimer;
import org.naspipeline.worker.compress.ArtifactFormat;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;
import org.naspipeline.worker.model.UnbuildableArchitectureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one trial end to end without Kafka: resolve and load the dataset, build the model from the candidate,
 * train it (distilling from a teacher, or loading a trained base model instead, when the compression config
 * says so), run the compression stages ({@link CompressionStages}), and measure validation and test accuracy,
 * latency, parameters, MACs and the saved size; a compressed model is measured as reloaded from its file.
 * {@code TrialResult run(TrialRequest)} is the whole contract; the worker service and {@code nas evaluate} both
 * call it.
 */
public final class TrialRunner implements TrialEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger(TrialRunner.class);

    private final DatasetResolver resolver;
    private final Path dataDir;
    private final ArtifactStore artifacts;
    private final String workerId;
    private final Device device;
    private final TrainingLoop loop;
    private final WorkerCpu cpu;
    private final MeasurementSettings measurement;
    /** Loaded splits by dataset spec (limits included), so consecutive trials do not re-read the files. */
    private final Map<DatasetSpec, DatasetSplits> cache = new ConcurrentHashMap<>();

    /** How latency is measured. */
    public record MeasurementSettings(int latencyBatch, int latencyRuns) {
        /** Batch 32 besides batch 1, 200 timed runs each. */
        public static final MeasurementSettings DEFAULT = new MeasurementSettings(32, 200);
    }

    /**
     * A runner.
     *
     * @param dataDir the configured data directory ({@code NAS_DATA_DIR}), or null to search the usual places
     * @param engineLock held around each training step. DJL's PyTorch engine allows one gradient collector per
     *     process at a time (a static flag in {@code PtGradientCollector}), so every runner of one JVM must share
     *     the same lock; trials then interleave batch by batch.
     * @param cpu the worker's thread budget and the host-wide measurement gate, shared by its slots; closed with the
     *     runner
     */
    public TrialRunner(DatasetResolver resolver, Path dataDir, ArtifactStore artifacts, String workerId, Device device,
                       Lock engineLock, WorkerCpu cpu, MeasurementSettings measurement) {
        this.resolver = resolver;
        this.dataDir = dataDir;
        this.artifacts = artifacts;
        this.workerId = workerId;
        this.device = device;
        this.loop = new TrainingLoop(device, engineLock, cpu);
        this.cpu = cpu;
        this.measurement = measurement;
    }

    @Override
    public String engine() {
        Engine engine = Engine.getEngine("PyTorch");
        return engine.getEngineName() + " " + engine.getVersion();
    }

    @Override
    public String device() {
        return device.toString();
    }

    /** Runs the trial, reporting epochs to {@code progress}, checking {@code cancelled} between batches. */
    @Override
    public TrialResult run(TrialRequest req, ProgressListener progress, BooleanSupplier cancelled) {
        DatasetSplits data;
        try {
            data = data(req.dataset());
        } catch (IllegalArgumentException e) {
            return failed(req, e.getMessage(), false);
        } catch (IOException e) {
            return failed(req, "cannot read dataset '" + req.dataset().name() + "': " + e.getMessage(), true);
        }
        ModelBuilder builder = new ModelBuilder(data.train().sampleShape(), data.train().classes());
        NetworkPlan plan;
        try {
            plan = builder.plan(req.candidate().architecture());
        } catch (UnbuildableArchitectureException e) {
            return failed(req, "unbuildable architecture: " + e.getMessage(), false);
        }
        Engine.getInstance().setRandomSeed((int) (req.seed() ^ (req.seed() >>> 32)));
        cpu.applyTrainingThreads(); // on this slot's thread, with the workers on this host now
        try {
            return req.candidate().compression().isNone()
                    ? runUncompressed(req, plan, builder, data, progress, cancelled)
                    : runCompressed(req, plan, builder, data, progress, cancelled);
        } catch (IllegalArgumentException e) {
            return failed(req, e.getMessage(), false);
        } catch (IOException e) {
            return failed(req, "cannot read or save a model artifact: " + e.getMessage(), true);
        } catch (TranslateException e) {
            return failed(req, "training failed: " + e.getMessage(), true);
        }
    }

    private TrialResult runUncompressed(TrialRequest req, NetworkPlan plan, ModelBuilder builder, DatasetSplits data,
                                        ProgressListener progress, BooleanSupplier cancelled)
            throws IOException, TranslateException {
        Block block = PlanBlocks.build(plan).block();
        try (Model model = Model.newInstance(req.trialId(), device)) {
            model.setBlock(block);
            TrainingLoop.Stats stats = loop.train(req, model, data, progress, cancelled);
            progress.onPhase("train", stats.seconds());
            if (stats.failure() != null) {
                return failed(req, stats.failure(), false);
            }
            long measureStart = System.nanoTime();
            double validation = stats.validationAccuracy(); // measured after the last epoch; not repeated
            Measured m = measure(model, plan, builder, data);
            ArtifactStore.StoredArtifact artifact = artifacts.saveModel(req, model);
            TrialMetrics metrics = metrics(validation, m, stats, artifact.sizeBytes(), data, null);
            return completed(req, metrics, artifact, progress, measureStart);
        }
    }

    /**
     * Trains (distilling from the teacher when asked) or loads the base model, runs the compression stages,
     * saves the compressed artifact, and measures the model reloaded from that file: the figures are of the
     * artifact as saved.
     */
    private TrialResult runCompressed(TrialRequest req, NetworkPlan plan, ModelBuilder builder, DatasetSplits data,
                                      ProgressListener progress, BooleanSupplier cancelled)
            throws IOException, TranslateException {
        CompressionSpec c = req.candidate().compression();
        Model teacher = null;
        try {
            if (c.distillation().enabled()) {
                teacher = modelOf(TrainedModels.load("compression.distillation.teacher", c.distillation().teacher(),
                        artifacts, builder, device).plan(), req.trialId() + "-teacher");
            }
            NetworkPlan trained;
            TrainingLoop.Stats stats = null;
            if (c.baseModel() != null) {
                TrainedModels.Loaded base = TrainedModels.load("compression.baseModel", c.baseModel(), artifacts, builder, device);
                if (!base.architecture().equals(req.candidate().architecture())) {
                    return failed(req, "compression.baseModel: the model at " + c.baseModel() + " was trained for "
                            + base.architecture().summary() + ", but the candidate's architecture is "
                            + req.candidate().architecture().summary(), false);
                }
                trained = base.plan();
            } else {
                PlanBlocks.Built built = PlanBlocks.build(plan);
                try (Model model = Model.newInstance(req.trialId(), device)) {
                    model.setBlock(built.block());
                    TrainingLoop.Regime regime = new TrainingLoop.Regime(req.training(), teacher, c.distillation(), null, true);
                    stats = loop.train(req, regime, model, data, progress, cancelled);
                    progress.onPhase(teacher != null ? "distill" : "train", stats.seconds());
                    if (stats.failure() != null) {
                        return failed(req, stats.failure(), false);
                    }
                    trained = PlanBlocks.capture(built);
                }
            }
            CompressionStages stages = new CompressionStages(loop, device, builder, data, snapshot -> cpu.measureLatency(
                    () -> ModelMeter.latency(snapshot, data.test(), 1, measurement.latencyRuns()).p50()).value());
            CompressionStages.Outcome outcome = stages.run(req, trained, teacher, progress, cancelled);
            if (outcome.failure() != null) {
                return failed(req, outcome.failure(), false);
            }
            long measureStart = System.nanoTime();
            ArtifactFormat.Encoded encoded = ArtifactFormat.encode(outcome.plan(), c.quantization());
            ArtifactStore.StoredArtifact artifact = artifacts.saveCompressed(req, encoded.bytes());
            NetworkPlan saved = ArtifactFormat.decode(artifacts.readCompressed(artifact));
            try (Model model = modelOf(saved, req.trialId() + "-saved")) {
                Measured m = measure(model, saved, builder, data);
                double validation = ModelMeter.accuracy(model, data.validation(), cpu.gate());
                CompressionReport report = new CompressionReport(outcome.stages(),
                        String.join(", ", encoded.weightEncodings()), executedAs(c, encoded));
                // the loss of the last training run (fine-tuning if any); time and throughput of the training from
                // scratch, zero for a loaded base model
                double loss = !Double.isNaN(outcome.fineTuneLoss()) ? outcome.fineTuneLoss()
                        : stats != null ? stats.lastEpochLoss() : 0;
                TrainingLoop.Stats training = new TrainingLoop.Stats(null, loss, validation,
                        stats == null ? 0 : stats.seconds(), stats == null ? 0 : stats.samplesPerSecond());
                TrialMetrics metrics = metrics(validation, m, training, artifact.sizeBytes(), data, report);
                return completed(req, metrics, artifact, progress, measureStart);
            }
        } finally {
            if (teacher != null) {
                teacher.close();
            }
        }
    }

    /** What the engine really ran when the compressed model was measured. */
    private String executedAs(CompressionSpec c, ArtifactFormat.Encoded encoded) {
        boolean sparse = encoded.weightEncodings().stream().anyMatch(e -> e.endsWith("+bitmask"));
        String on = "fp32 on " + device;
        if (c.quantization() != org.naspipeline.api.Quantization.FP32) {
            on += ": int8 weights dequantized to fp32 at load, so latency is of fp32 kernels, not int8";
        }
        if (sparse) {
            on += (on.contains(":") ? "; " : ": ") + "pruned weights stored as bitmask + values, expanded to dense "
                    + "tensors at load (no sparse kernels)";
        }
        return on;
    }

    /** A model holding the plan's weights, ready for inference or as a teacher. */
    private Model modelOf(NetworkPlan plan, String name) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        Model model = Model.newInstance(name, device);
        try {
            model.setBlock(built.block());
            PlanBlocks.initializeAndLoad(built, model.getNDManager());
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Test accuracy, latencies (with their threads and whether they held the host-wide lock), weights and MACs, in
     * total and per layer.
     */
    private record Measured(double test, LatencyTimer.Stats one, LatencyTimer.Stats many, int latencyThreads,
                            boolean exclusive, long[] params, long macs, List<TrialMetrics.Layer> layers, Long memory) {}

    private record Latencies(LatencyTimer.Stats one, LatencyTimer.Stats many) {}

    /** Measures {@code model}, built from {@code plan}. */
    private Measured measure(Model model, NetworkPlan plan, ModelBuilder builder, DatasetSplits data) {
        double test = ModelMeter.accuracy(model, data.test(), cpu.gate());
        WorkerCpu.Measured<Latencies> timed = cpu.measureLatency(() -> new Latencies(
                ModelMeter.latency(model, data.test(), 1, measurement.latencyRuns()),
                ModelMeter.latency(model, data.test(), measurement.latencyBatch(), measurement.latencyRuns())));
        // the totals are the layer table's sums: each layer's weights and MACs are counted once
        List<TrialMetrics.Layer> layers = LayerTable.of(plan, model.getBlock(), builder.inputShape(1));
        long[] params = {layers.stream().mapToLong(TrialMetrics.Layer::params).sum(),
                layers.stream().mapToLong(TrialMetrics.Layer::nonZeroParams).sum()};
        return new Measured(test, timed.value().one(), timed.value().many(), timed.threads(), timed.exclusive(), params,
                layers.stream().mapToLong(TrialMetrics.Layer::macs).sum(), layers, ModelMeter.deviceMemoryBytes(device));
    }

    private TrialMetrics metrics(double validation, Measured m, TrainingLoop.Stats stats, long sizeBytes, DatasetSplits data,
                                 CompressionReport report) {
        return new TrialMetrics(validation, m.test(), stats.lastEpochLoss(), m.one().p50(), m.one().p95(), m.one().cv(),
                measurement.latencyBatch(), m.many().p50(), m.many().p95(), m.params()[0], m.params()[1], m.macs(), sizeBytes,
                m.memory(), stats.seconds(), stats.samplesPerSecond(), data.train().count(), data.validation().count(),
                data.test().count(), device.toString(), threads(), report, m.latencyThreads(), m.exclusive(), m.layers(), null);
    }

    private TrialResult completed(TrialRequest req, TrialMetrics metrics, ArtifactStore.StoredArtifact artifact,
                                  ProgressListener progress, long measureStart) throws IOException {
        artifacts.attachMetadata(artifact, req, metrics);
        progress.onPhase("measure", (System.nanoTime() - measureStart) / 1e9);
        LOG.info("trial {} attempt {}: val {} test {} p50 {} ms params {} MACs {} size {} B in {} s",
                req.trialId(), req.attempt(), String.format("%.4f", metrics.accuracy()),
                String.format("%.4f", metrics.testAccuracy()), String.format("%.3f", metrics.latencyMsP50()),
                metrics.params(), metrics.macs(), metrics.sizeBytes(), String.format("%.1f", metrics.trainSeconds()));
        return new TrialResult.Completed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                req.attempt(), workerId, metrics, artifact.uri());
    }

    private DatasetSplits data(DatasetSpec spec) throws IOException {
        DatasetSplits cached = cache.get(spec);
        if (cached == null) {
            DatasetResolver.ResolvedDataset where = resolver.resolve(spec, dataDir);
            LOG.info("dataset {}: {}", spec.name(), where);
            cached = Datasets.load(spec, where.dir());
            cache.put(spec, cached);
        }
        return cached;
    }

    /** Releases the worker's registration on this host (shared by its slots; the first close does it). */
    @Override
    public void close() {
        cpu.close();
    }

    /** The intra-op threads PyTorch reports for the calling thread (the slot's training budget). */
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
}
