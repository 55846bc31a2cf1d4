package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.Quantization;
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
import org.naspipeline.worker.compress.HeadPruner;
import org.naspipeline.worker.compress.LayerDropper;
import org.naspipeline.worker.onnx.Latency;
import org.naspipeline.worker.onnx.OnnxExporter;
import org.naspipeline.worker.onnx.OnnxModel;
import org.naspipeline.worker.onnx.UnexportableLayerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one trial end to end without Kafka: resolve and load the dataset, build the model from the candidate,
 * train it (distilling from a teacher, or loading a trained base model instead, when the compression config
 * says so), run the compression stages ({@link CompressionStages}), save the model with its ONNX files
 * ({@link OnnxFiles}), and measure validation and test accuracy, latency, parameters, MACs and the size in the
 * configured {@link InferenceRuntime}: the deployed ONNX file in ONNX Runtime, or the DJL model (a compressed one as
 * reloaded from its file). A layer the ONNX exporter cannot express fails the trial without retry. A request of a
 * multi-fidelity scheduler (a {@code fidelity}) may continue from an earlier attempt's checkpoint and save its own
 * (see {@link Checkpoints}); its result reports the checkpoint.
 * {@code TrialResult run(TrialRequest)} is the whole contract; the worker service and {@code nas evaluate} both
 * call it.
 */
public final class TrialRunner implements TrialEvaluator {
    /** The most epochs a result may report (the bound of {@code training.epochs}). */
    private static final int MAX_EPOCHS = 1000;
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

    /**
     * How models are measured: latency at batch 1 and {@code latencyBatch}, at most {@code latencyRuns} timed runs
     * each; the runtime that measures; how the activations of int8 ONNX files are calibrated.
     */
    public record MeasurementSettings(int latencyBatch, int latencyRuns, InferenceRuntime runtime,
                                      OnnxExporter.Calibration calibration) {
        /** Min/max over 8 batches of 32 training examples. */
        public static final OnnxExporter.Calibration CALIBRATION = OnnxExporter.Calibration.minMax(8, 32);
        /** Batch 32 besides batch 1, 200 timed runs each, in ONNX Runtime. */
        public static final MeasurementSettings DEFAULT = new MeasurementSettings(32, 200);

        /** In ONNX Runtime, int8 calibrated by {@link #CALIBRATION}. */
        public MeasurementSettings(int latencyBatch, int latencyRuns) {
            this(latencyBatch, latencyRuns, InferenceRuntime.ONNXRUNTIME, CALIBRATION);
        }

        /** The same in another runtime. */
        public MeasurementSettings in(InferenceRuntime other) {
            return new MeasurementSettings(latencyBatch, latencyRuns, other, calibration);
        }
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
        } catch (org.naspipeline.worker.data.InvalidDataException e) { // the same file fails the same way on every attempt
            return failed(req, "invalid dataset '" + req.dataset().name() + "': " + e.getMessage(), false);
        } catch (IOException e) {
            return failed(req, "cannot read dataset '" + req.dataset().name() + "': " + e.getMessage(), true);
        }
        ModelBuilder builder = ModelBuilder.of(data.train());
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
        } catch (UnexportableLayerException e) {
            return failed(req, "cannot export the model to ONNX: " + e.getMessage(), false);
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
        PlanBlocks.Built built = PlanBlocks.build(plan);
        try (Model model = Model.newInstance(req.trialId(), device)) {
            model.setBlock(built.block());
            Checkpoints.Start start = start(req, model, data);
            TrainingLoop.Stats stats = loop.train(req, TrainingLoop.Regime.of(req).startingAt(start), model, data,
                    progress, cancelled);
            progress.onPhase("train", stats.seconds());
            if (stats.failure() != null) {
                return failed(req, stats.failure(), false);
            }
            byte[] checkpoint = capture(req, model, start);
            long measureStart = System.nanoTime();
            OnnxFiles files = OnnxFiles.export(PlanBlocks.capture(built), null, data.train(), measurement.calibration(),
                    cpu.latencyThreads());
            ArtifactStore.StoredArtifact artifact = artifacts.saveModel(req, model);
            files.saveTo(artifacts, artifact);
            Checkpoint saved = saveCheckpoint(req, artifact, checkpoint, start);
            // DJL's validation accuracy was measured after the last epoch; not repeated
            Measured m = measure(model, plan, builder, data, files, ArtifactStore.MODEL_DIR, artifact.sizeBytes(),
                    stats.validationAccuracy());
            TrialMetrics metrics = metrics(m, stats, data, null);
            return completed(req, metrics, artifact, progress, measureStart, saved);
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
            // settings that need encoder layers fail before training, not after it
            if (c.layerDropping() != null) {
                LayerDropper.requireEncoders(plan);
            }
            if (c.pruning().method() == org.naspipeline.api.PruningMethod.HEADS) {
                HeadPruner.requireEncoders(plan);
            }
            if (c.distillation().enabled() && !c.distillation().fromTrainedModel()) {
                teacher = modelOf(TrainedModels.load("compression.distillation.teacher", c.distillation().teacher(),
                        artifacts, builder, device).plan(), req.trialId() + "-teacher");
            }
            NetworkPlan trained;
            TrainingLoop.Stats stats = null;
            Checkpoints.Start start = null;
            byte[] checkpoint = null;
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
                    start = start(req, model, data);
                    TrainingLoop.Regime regime = new TrainingLoop.Regime(req.training(), teacher, c.distillation(), null, true)
                            .startingAt(start);
                    stats = loop.train(req, regime, model, data, progress, cancelled);
                    progress.onPhase(teacher != null ? "distill" : "train", stats.seconds());
                    if (stats.failure() != null) {
                        return failed(req, stats.failure(), false);
                    }
                    checkpoint = capture(req, model, start); // before any compression stage changes the weights
                    trained = PlanBlocks.capture(built);
                }
            }
            if (c.distillation().fromTrainedModel()) {
                teacher = modelOf(trained, req.trialId() + "-teacher"); // teaches the compressed model while it is fine-tuned
            }
            CompressionStages stages = new CompressionStages(loop, device, builder, data,
                    (snapshot, model, quantization) -> batchOneP50(snapshot, model, quantization, data));
            CompressionStages.Outcome outcome = stages.run(req, trained, teacher, progress, cancelled);
            if (outcome.failure() != null) {
                return failed(req, outcome.failure(), false);
            }
            long measureStart = System.nanoTime();
            ArtifactFormat.Encoded encoded = ArtifactFormat.encode(outcome.plan(), c.quantization());
            ArtifactStore.StoredArtifact artifact = artifacts.saveCompressed(req, encoded.bytes());
            NetworkPlan saved = ArtifactFormat.decode(artifacts.readCompressed(artifact));
            OnnxFiles files = OnnxFiles.export(outcome.unquantized(), c.quantization() == Quantization.FP32 ? null : saved,
                    data.train(), measurement.calibration(), cpu.latencyThreads());
            files.saveTo(artifacts, artifact);
            Checkpoint savedCheckpoint = saveCheckpoint(req, artifact, checkpoint, start);
            try (Model model = modelOf(saved, req.trialId() + "-saved")) {
                Measured m = measure(model, saved, builder, data, files, ArtifactStore.COMPRESSED_FILE,
                        artifact.sizeBytes(), Double.NaN);
                CompressionReport report = new CompressionReport(outcome.stages(),
                        String.join(", ", encoded.weightEncodings()), executedAs(c, encoded, files, m.deployed()));
                // the loss of the last training run (fine-tuning if any); time and throughput of the training from
                // scratch, zero for a loaded base model
                double loss = !Double.isNaN(outcome.fineTuneLoss()) ? outcome.fineTuneLoss()
                        : stats != null ? stats.lastEpochLoss() : 0;
                TrainingLoop.Stats training = new TrainingLoop.Stats(null, loss, m.deployed().validation(),
                        stats == null ? 0 : stats.seconds(), stats == null ? 0 : stats.samplesPerSecond());
                TrialMetrics metrics = metrics(m, training, data, report);
                return completed(req, metrics, artifact, progress, measureStart, savedCheckpoint);
            }
        } finally {
            if (teacher != null) {
                teacher.close();
            }
        }
    }

    /** What really ran when the compressed model was measured. */
    private String executedAs(CompressionSpec c, ArtifactFormat.Encoded encoded, OnnxFiles files, Deployed d) {
        boolean sparse = encoded.weightEncodings().stream().anyMatch(e -> e.endsWith("+bitmask"));
        boolean int8 = c.quantization() != org.naspipeline.api.Quantization.FP32;
        List<String> notes = new ArrayList<>();
        String on;
        if (measurement.runtime() == InferenceRuntime.DJL) {
            on = "fp32 on " + device;
            if (int8) {
                notes.add("int8 weights dequantized to fp32 at load, so latency is of fp32 kernels, not int8");
            }
            if (sparse) {
                notes.add("pruned weights stored as bitmask + values, expanded to dense tensors at load (no sparse kernels)");
            }
        } else {
            on = (int8 ? "int8 QDQ graph " : "fp32 graph ") + files.deployedName() + " on " + d.inference().runtime()
                    + ", CPU, " + d.threads() + " thread(s); kernels: " + String.join(", ", d.inference().kernels());
            if (int8) {
                notes.add("activations calibrated " + files.calibration());
                if (d.inference().kernels().stream().noneMatch(TrialRunner::isInt8Kernel)) {
                    notes.add("no int8 kernel ran: the runtime kept every quantized layer in float");
                }
            }
            if (sparse) {
                notes.add("pruned weights are dense zeros in the ONNX file (no sparse kernels)");
            }
        }
        return notes.isEmpty() ? on : on + "; " + String.join("; ", notes);
    }

    /** Whether an ONNX Runtime kernel computes in int8 ({@code QLinearConv}, {@code QGemm}, {@code MatMulInteger}…). */
    public static boolean isInt8Kernel(String kernel) {
        return kernel.startsWith("QLinear") || kernel.equals("QGemm") || kernel.contains("Integer");
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
     * The deployed model as the runtime measured it: validation and test accuracy, latencies with their threads and
     * whether they held the host-wide lock, the measured file's bytes, and what ran.
     */
    private record Deployed(double validation, double test, LatencyTimer.Stats one, LatencyTimer.Stats many, int threads,
                            boolean exclusive, long sizeBytes, TrialMetrics.Inference inference) {}

    /** The deployed model's figures, weights and MACs in total and per layer, device memory. */
    private record Measured(Deployed deployed, long[] params, long macs, List<TrialMetrics.Layer> layers, Long memory) {}

    private record Latencies(LatencyTimer.Stats one, LatencyTimer.Stats many) {}

    /**
     * Measures the trained model in the configured runtime: {@code model} (built from {@code plan}) in DJL, saved as
     * {@code djlFile} of {@code djlBytes} bytes, with its validation accuracy {@code djlValidation} (NaN: measure it);
     * or the deployed file of {@code files} in ONNX Runtime. The layer table is the plan's either way.
     */
    private Measured measure(Model model, NetworkPlan plan, ModelBuilder builder, DatasetSplits data, OnnxFiles files,
                             String djlFile, long djlBytes, double djlValidation) {
        Deployed deployed = measurement.runtime() == InferenceRuntime.DJL
                ? measureDjl(model, data, files, djlFile, djlBytes, djlValidation)
                : measureOnnx(files, data);
        // the totals are the layer table's sums: each layer's weights and MACs are counted once
        List<TrialMetrics.Layer> layers = LayerTable.of(plan, model.getBlock(), builder.inputShape(1));
        long[] params = {layers.stream().mapToLong(TrialMetrics.Layer::params).sum(),
                layers.stream().mapToLong(TrialMetrics.Layer::nonZeroParams).sum()};
        return new Measured(deployed, params, layers.stream().mapToLong(TrialMetrics.Layer::macs).sum(), layers,
                ModelMeter.deviceMemoryBytes(device));
    }

    private Deployed measureDjl(Model model, DatasetSplits data, OnnxFiles files, String file, long bytes, double validation) {
        double v = Double.isNaN(validation) ? ModelMeter.accuracy(model, data.validation(), cpu.gate()) : validation;
        double test = ModelMeter.accuracy(model, data.test(), cpu.gate());
        WorkerCpu.Measured<Latencies> timed = cpu.measureLatency(() -> new Latencies(
                ModelMeter.latency(model, data.test(), 1, measurement.latencyRuns()),
                ModelMeter.latency(model, data.test(), measurement.latencyBatch(), measurement.latencyRuns())));
        return new Deployed(v, test, timed.value().one(), timed.value().many(), timed.threads(), timed.exclusive(), bytes,
                new TrialMetrics.Inference(InferenceRuntime.DJL.describe(), file, List.of(), files.names(), null));
    }

    /**
     * Measures the deployed ONNX file in ONNX Runtime on {@code NAS_LATENCY_THREADS} threads: accuracies (each batch
     * a unit of work of the host-wide gate), latencies (holding it), the kernels that ran (its profiler), and for an
     * int8 file the fp32 file's test accuracy beside it.
     */
    private Deployed measureOnnx(OnnxFiles files, DatasetSplits data) {
        try (OnnxModel deployed = OnnxModel.load(files.deployed(), files.deployedName(), cpu.latencyThreads())) {
            double validation = deployed.accuracy(data.validation(), cpu.gate());
            double test = deployed.accuracy(data.test(), cpu.gate());
            WorkerCpu.Measured<Latencies> timed = cpu.measureLatency(() -> new Latencies(
                    stats(deployed.latency(data.test(), 1, measurement.latencyRuns())),
                    stats(deployed.latency(data.test(), measurement.latencyBatch(), measurement.latencyRuns()))));
            Double fp32 = null;
            if (files.int8() != null) {
                try (OnnxModel reference = OnnxModel.load(files.fp32(), ArtifactStore.ONNX_FILE, cpu.latencyThreads())) {
                    fp32 = reference.accuracy(data.test(), cpu.gate());
                }
            }
            TrialMetrics.Inference inference = new TrialMetrics.Inference(InferenceRuntime.ONNXRUNTIME.describe(),
                    files.deployedName(), List.copyOf(deployed.kernels()), files.names(), fp32);
            return new Deployed(validation, test, timed.value().one(), timed.value().many(), deployed.threads(),
                    timed.exclusive(), files.deployed().length, inference);
        }
    }

    private static LatencyTimer.Stats stats(Latency l) {
        return new LatencyTimer.Stats(l.p50(), l.p95(), l.cv(), l.runs());
    }

    /**
     * The batch-1 p50 latency of a compression stage's model in the configured runtime: {@code model} in DJL, or
     * {@code plan} exported to ONNX (int8 when {@code quantization} is, calibrated as the trial's file) in ONNX Runtime.
     */
    private double batchOneP50(NetworkPlan plan, Model model, Quantization quantization, DatasetSplits data) {
        if (measurement.runtime() == InferenceRuntime.DJL) {
            return cpu.measureLatency(() -> ModelMeter.latency(model, data.test(), 1, measurement.latencyRuns()).p50()).value();
        }
        OnnxFiles files = OnnxFiles.export(plan, quantization == Quantization.FP32 ? null : plan, data.train(),
                measurement.calibration(), cpu.latencyThreads());
        try (OnnxModel onnx = OnnxModel.load(files.deployed(), files.deployedName(), cpu.latencyThreads())) {
            return cpu.measureLatency(() -> onnx.latency(data.test(), 1, measurement.latencyRuns()).p50()).value();
        }
    }

    private TrialMetrics metrics(Measured m, TrainingLoop.Stats stats, DatasetSplits data, CompressionReport report) {
        Deployed d = m.deployed();
        return new TrialMetrics(d.validation(), d.test(), stats.lastEpochLoss(), d.one().p50(), d.one().p95(), d.one().cv(),
                measurement.latencyBatch(), d.many().p50(), d.many().p95(), m.params()[0], m.params()[1], m.macs(),
                d.sizeBytes(), m.memory(), stats.seconds(), stats.samplesPerSecond(), data.train().count(),
                data.validation().count(), data.test().count(), device.toString(), threads(), report, d.threads(),
                d.exclusive(), m.layers(), d.inference());
    }

    /**
     * For a multi-fidelity request, how its training starts (see {@link Checkpoints#start}): the schedule spans the
     * fidelity's epochs, or its examples when the rung counts them. Null without a fidelity: DJL's optimizer from
     * epoch 1, as always.
     */
    private Checkpoints.Start start(TrialRequest req, Model model, DatasetSplits data) {
        Fidelity f = req.fidelity();
        if (f == null) {
            return null;
        }
        ExampleClock clock = f.countsExamples() ? new ExampleClock(data.train().count(), req.training().batchSize()) : null;
        if (clock != null && clock.epochOfStep(clock.stepsFor(f.examples())) > MAX_EPOCHS) {
            // a result holds at most 1,000 epochs (as training.epochs does): say so now, not after training them
            throw new IllegalArgumentException("fidelity.examples " + f.examples() + " is more than " + MAX_EPOCHS
                    + " epochs of this training set (" + data.train().count() + " examples)");
        }
        long steps = clock != null ? clock.stepsFor(f.scheduleExamples())
                : (long) TrainingLoop.stepsPerEpoch(data.train(), req.training()) * f.scheduleEpochs();
        return Checkpoints.start(req, model, ModelMeter.shape(data.train(), 1),
                TrainingLoop.resumableOptimizer(req.training(), Math.toIntExact(Math.min(Integer.MAX_VALUE, steps))),
                artifacts, clock);
    }

    /** The checkpoint file of the trained model when the request asks for one, else null. */
    private static byte[] capture(TrialRequest req, Model model, Checkpoints.Start start) {
        return start != null && req.fidelity().saveCheckpoint()
                ? Checkpoints.capture(model, start.optimizer(), start.endEpoch(req.training().epochs())) : null;
    }

    /**
     * Saves the checkpoint beside the attempt's model (after it: saving the model clears what an earlier run of the
     * attempt left) and says what the result reports: null without a fidelity.
     */
    private Checkpoint saveCheckpoint(TrialRequest req, ArtifactStore.StoredArtifact artifact, byte[] checkpoint,
                                      Checkpoints.Start start) throws IOException {
        if (req.fidelity() == null) {
            return null;
        }
        int epochs = req.training().epochs();
        if (start == null) {
            return new Checkpoint(null, epochs, null, "no training ran (the base model was loaded): nothing to checkpoint");
        }
        if (checkpoint == null) {
            return start.report(null, epochs);
        }
        artifacts.saveFile(artifact, ArtifactStore.CHECKPOINT_FILE, checkpoint);
        return start.report(artifacts.fileUri(artifact, ArtifactStore.CHECKPOINT_FILE), epochs);
    }

    private TrialResult completed(TrialRequest req, TrialMetrics metrics, ArtifactStore.StoredArtifact artifact,
                                  ProgressListener progress, long measureStart, Checkpoint checkpoint) throws IOException {
        artifacts.attachMetadata(artifact, req, metrics);
        progress.onPhase("measure", (System.nanoTime() - measureStart) / 1e9);
        LOG.info("trial {} attempt {}: val {} test {} p50 {} ms params {} MACs {} size {} B in {} s",
                req.trialId(), req.attempt(), String.format("%.4f", metrics.accuracy()),
                String.format("%.4f", metrics.testAccuracy()), String.format("%.3f", metrics.latencyMsP50()),
                metrics.params(), metrics.macs(), metrics.sizeBytes(), String.format("%.1f", metrics.trainSeconds()));
        return new TrialResult.Completed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                req.attempt(), workerId, metrics, artifact.uri(), checkpoint);
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
