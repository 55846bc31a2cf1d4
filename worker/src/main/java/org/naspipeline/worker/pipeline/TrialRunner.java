package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.data.Datasets;
import org.naspipeline.worker.model.MacCounter;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.UnbuildableArchitectureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one trial end to end without Kafka: resolve and load the dataset, build the model from the candidate,
 * train it, measure validation and test accuracy, latency, parameters, MACs and the saved size.
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
     */
    public TrialRunner(DatasetResolver resolver, Path dataDir, ArtifactStore artifacts, String workerId, Device device,
                       Lock engineLock, MeasurementSettings measurement) {
        this.resolver = resolver;
        this.dataDir = dataDir;
        this.artifacts = artifacts;
        this.workerId = workerId;
        this.device = device;
        this.loop = new TrainingLoop(device, engineLock);
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
        if (!req.candidate().compression().isNone()) {
            return failed(req, "compression stages are not implemented in this worker yet; only the no-op "
                    + "compression config is supported (got " + req.candidate().compression() + ")", false);
        }
        DatasetSplits data;
        try {
            data = data(req.dataset());
        } catch (IllegalArgumentException e) {
            return failed(req, e.getMessage(), false);
        } catch (IOException e) {
            return failed(req, "cannot read dataset '" + req.dataset().name() + "': " + e.getMessage(), true);
        }
        ModelBuilder builder = new ModelBuilder(data.train().sampleShape(), data.train().classes());
        Block block;
        try {
            block = builder.build(req.candidate().architecture());
        } catch (UnbuildableArchitectureException e) {
            return failed(req, "unbuildable architecture: " + e.getMessage(), false);
        }
        Engine.getInstance().setRandomSeed((int) (req.seed() ^ (req.seed() >>> 32)));
        try (Model model = Model.newInstance(req.trialId(), device)) {
            model.setBlock(block);
            TrainingLoop.Stats stats = loop.train(req, model, data, progress, cancelled);
            progress.onPhase("train", stats.seconds());
            if (stats.failure() != null) {
                return failed(req, stats.failure(), false);
            }
            long measureStart = System.nanoTime();
            double validation = stats.validationAccuracy(); // measured after the last epoch; not repeated
            double test = ModelMeter.accuracy(model, data.test());
            ModelMeter.Latency one = ModelMeter.latency(model, data.test(), 1, measurement.latencyRuns());
            ModelMeter.Latency many = ModelMeter.latency(model, data.test(), measurement.latencyBatch(), measurement.latencyRuns());
            long[] params = ModelMeter.parameters(block);
            long macs = MacCounter.count(block, builder.inputShape(1));
            Long memory = ModelMeter.deviceMemoryBytes(device);
            ArtifactStore.StoredArtifact artifact = artifacts.saveModel(req, model);
            TrialMetrics metrics = new TrialMetrics(validation, test, stats.lastEpochLoss(), one.p50(), one.p95(), one.cv(),
                    measurement.latencyBatch(), many.p50(), many.p95(), params[0], params[1], macs, artifact.sizeBytes(),
                    memory, stats.seconds(), stats.samplesPerSecond(), data.train().count(), data.validation().count(),
                    data.test().count(), device.toString(), threads());
            artifacts.attachMetadata(artifact, req, metrics);
            progress.onPhase("measure", (System.nanoTime() - measureStart) / 1e9);
            LOG.info("trial {} attempt {}: val {} test {} p50 {} ms params {} MACs {} size {} B in {} s",
                    req.trialId(), req.attempt(), String.format("%.4f", validation), String.format("%.4f", test),
                    String.format("%.3f", one.p50()), params[0], macs, artifact.sizeBytes(), String.format("%.1f", stats.seconds()));
            return new TrialResult.Completed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), workerId, metrics, artifact.uri());
        } catch (IOException e) {
            return failed(req, "cannot save the artifact: " + e.getMessage(), true);
        } catch (TranslateException e) {
            return failed(req, "training failed: " + e.getMessage(), true);
        }
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
