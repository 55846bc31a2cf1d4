package org.naspipeline.worker.service;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.naspipeline.api.config.Setting;
import org.naspipeline.api.config.Settings;
import org.naspipeline.ops.KafkaClientOverrides;
import org.naspipeline.ops.OpsHttpServer;
import org.naspipeline.worker.artifact.ArtifactLocation;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.artifact.S3Settings;
import org.naspipeline.worker.cpu.CpuSettings;
import org.naspipeline.worker.onnx.OnnxExporter;
import org.naspipeline.worker.pipeline.InferenceRuntime;
import org.naspipeline.worker.pipeline.TrialRunner;

/**
 * The worker's configuration, read from the environment. {@code artifactUri} is where models are saved (a path,
 * {@code file:} or {@code s3://} URI; open it with {@link ArtifactStores#open(String, S3Settings)}).
 */
public record WorkerConfig(
        String bootstrapServers, String groupId, String workerId, int slots, String devices, Path dataDir,
        String artifactUri, S3Settings s3, int shutdownGraceSeconds, int latencyBatch, String evaluator, long syntheticDelayMillis,
        String httpHost, int httpPort, KafkaClientOverrides kafka, CpuSettings cpu, InferenceRuntime runtime,
        OnnxExporter.Calibration calibration) {

    static final Setting<String> BOOTSTRAP = Setting.string("NAS_KAFKA_BOOTSTRAP", "localhost:9092", "Kafka bootstrap servers");
    static final Setting<String> GROUP = Setting.string("NAS_WORKER_GROUP", "nas-workers", "consumer group shared by all workers");
    static final Setting<String> ID = Setting.string("NAS_WORKER_ID", null, "worker id in results (default: host-pid)");
    static final Setting<Integer> SLOTS = Setting.integer("NAS_WORKER_SLOTS", 1, "trials run at once on the CPU (on GPUs: one per device)");
    static final Setting<String> DEVICES = Setting.string("NAS_DEVICES", "auto", "auto | cpu | gpu:0,1");
    static final Setting<Integer> LATENCY_BATCH = Setting.integer("NAS_LATENCY_BATCH", 32, "batch size of the second latency measurement");
    static final Setting<String> DATA = Setting.string("NAS_DATA_DIR", null, "dataset directory (default: full set, then bundled subset)");
    static final Setting<String> ARTIFACTS = Setting.string("NAS_ARTIFACT_DIR", "artifacts",
            "directory where trained models are saved when NAS_ARTIFACT_URI is unset");
    static final Setting<String> ARTIFACT_URI = Setting.string(ArtifactStores.SETTING, null,
            "where trained models are saved: a path, file:///path or s3://bucket/prefix (default: NAS_ARTIFACT_DIR)");
    static final Setting<String> S3_ENDPOINT = Setting.string(S3Settings.ENDPOINT_VARIABLE, null,
            "S3-compatible endpoint, e.g. http://minio:9000 (default: AWS)");
    static final Setting<String> S3_REGION = Setting.string(S3Settings.REGION_VARIABLE, S3Settings.DEFAULT_REGION,
            "S3 region requests are signed for");
    static final Setting<String> S3_PATH_STYLE = Setting.string(S3Settings.PATH_STYLE_VARIABLE, "false",
            "true: path-style S3 addressing (MinIO), false: virtual-hosted (AWS)");
    static final Setting<Integer> GRACE = Setting.integer("NAS_SHUTDOWN_GRACE_SECONDS", 60,
            "on shutdown, how long running trials may finish before they are abandoned for redelivery");
    static final Setting<String> EVALUATOR = Setting.string("NAS_EVALUATOR", "djl",
            "djl (train and measure) or synthetic (control-plane tests: sleeps, returns labelled fake metrics)");
    static final Setting<String> RUNTIME = Setting.string("NAS_INFERENCE_RUNTIME", InferenceRuntime.ONNXRUNTIME.setting(),
            "runtime that measures accuracy, latency and size: onnxruntime (the saved ONNX file, real int8 kernels) or djl");
    static final Setting<Integer> CALIBRATION_BATCHES = Setting.integer("NAS_INT8_CALIBRATION_BATCHES",
            TrialRunner.MeasurementSettings.CALIBRATION.batches(),
            "int8 ONNX files: batches of " + TrialRunner.MeasurementSettings.CALIBRATION.batchSize()
                    + " training examples their activation ranges are calibrated on");
    static final Setting<Double> CALIBRATION_PERCENTILE = new Setting<>("NAS_INT8_CALIBRATION_PERCENTILE",
            TrialRunner.MeasurementSettings.CALIBRATION.percentile(), Double::valueOf,
            "int8 ONNX files: central percentile of each activation kept in range (100: min/max)");
    static final Setting<Integer> SYNTHETIC_DELAY = Setting.integer("NAS_SYNTHETIC_DELAY_MS", 1000, "synthetic evaluator: time per trial");
    static final Setting<Integer> HTTP_PORT = Setting.integer("NAS_WORKER_HTTP_PORT", 8081,
            "port of /health and /metrics (0: any free port, -1: no HTTP server)");
    /** Every setting, for the start-up log (plus the pass-through {@code NAS_KAFKA_CLIENT_*} properties). */
    public static final List<Setting<?>> ALL = List.of(BOOTSTRAP, GROUP, ID, SLOTS, DEVICES, DATA, ARTIFACTS,
            ARTIFACT_URI, S3_ENDPOINT, S3_REGION, S3_PATH_STYLE, GRACE, LATENCY_BATCH, RUNTIME, CALIBRATION_BATCHES,
            CALIBRATION_PERCENTILE, EVALUATOR, SYNTHETIC_DELAY,
            OpsHttpServer.HOST, HTTP_PORT, CpuSettings.CPUS, CpuSettings.THREADS, CpuSettings.LATENCY_THREADS,
            CpuSettings.LOCAL_DIR);

    /** A configuration for tests and embedded use: artifacts in a directory, no HTTP server, no client overrides. */
    public static WorkerConfig embedded(String bootstrapServers, String groupId, String workerId, int slots, String devices,
                                        Path dataDir, Path artifactDir, int shutdownGraceSeconds, int latencyBatch,
                                        String evaluator, long syntheticDelayMillis) {
        return new WorkerConfig(bootstrapServers, groupId, workerId, slots, devices, dataDir, artifactDir.toString(),
                S3Settings.AWS, shutdownGraceSeconds, latencyBatch, evaluator, syntheticDelayMillis,
                OpsHttpServer.HOST.defaultValue(), -1, KafkaClientOverrides.NONE, CpuSettings.defaults(),
                InferenceRuntime.ONNXRUNTIME, TrialRunner.MeasurementSettings.CALIBRATION);
    }

    /** Reads the configuration; {@code dataDir} stays null when not configured (the resolver decides). */
    public static WorkerConfig from(Settings s) {
        String id = s.get(ID);
        if (id == null) {
            id = hostName() + "-" + ProcessHandle.current().pid();
        }
        int slots = s.get(SLOTS);
        if (slots < 1) {
            throw new IllegalArgumentException(SLOTS.env() + ": must be ≥ 1 (got " + slots + ")");
        }
        int latencyBatch = s.get(LATENCY_BATCH);
        if (latencyBatch < 1) {
            throw new IllegalArgumentException(LATENCY_BATCH.env() + ": must be ≥ 1 (got " + latencyBatch + ")");
        }
        String evaluator = s.get(EVALUATOR);
        if (!evaluator.equals("djl") && !evaluator.equals("synthetic")) {
            throw new IllegalArgumentException(EVALUATOR.env() + ": must be djl or synthetic (got '" + evaluator + "')");
        }
        int grace = s.get(GRACE);
        if (grace < 0) {
            throw new IllegalArgumentException(GRACE.env() + ": must be ≥ 0 (got " + grace + ")");
        }
        int port = s.get(HTTP_PORT);
        if (port < -1 || port > 65_535) {
            throw new IllegalArgumentException(HTTP_PORT.env() + ": must be a port, 0 or -1 (got " + port + ")");
        }
        String data = s.get(DATA);
        String artifacts = s.get(ARTIFACT_URI) != null ? s.get(ARTIFACT_URI) : s.get(ARTIFACTS);
        ArtifactLocation.parse(s.get(ARTIFACT_URI) != null ? ARTIFACT_URI.env() : ARTIFACTS.env(), artifacts);
        KafkaClientOverrides kafka = KafkaClientOverrides.from(s);
        checkGroupTiming(kafka);
        CpuSettings cpu = CpuSettings.from(s);
        InferenceRuntime runtime = runtime(s);
        OnnxExporter.Calibration calibration = calibration(s);
        return new WorkerConfig(s.get(BOOTSTRAP), s.get(GROUP), id, slots, s.get(DEVICES), data == null ? null : Path.of(data),
                artifacts.trim(), s3(s), grace, latencyBatch, evaluator, s.get(SYNTHETIC_DELAY), s.get(OpsHttpServer.HOST), port,
                kafka, cpu, runtime, calibration);
    }

    /** The inference runtime from {@code NAS_INFERENCE_RUNTIME}. */
    public static InferenceRuntime runtime(Settings s) {
        return InferenceRuntime.parse(RUNTIME.env(), s.get(RUNTIME));
    }

    /** The int8 calibration from {@code NAS_INT8_CALIBRATION_BATCHES} and {@code NAS_INT8_CALIBRATION_PERCENTILE}. */
    public static OnnxExporter.Calibration calibration(Settings s) {
        int batches = s.get(CALIBRATION_BATCHES);
        if (batches < 1 || batches > 10_000) {
            throw new IllegalArgumentException(CALIBRATION_BATCHES.env() + ": must be in [1, 10000] (got " + batches + ")");
        }
        double percentile = s.get(CALIBRATION_PERCENTILE);
        if (!(percentile > 50 && percentile <= 100)) {
            throw new IllegalArgumentException(CALIBRATION_PERCENTILE.env() + ": must be in (50, 100] (got "
                    + s.get(CALIBRATION_PERCENTILE) + ")");
        }
        return new OnnxExporter.Calibration(batches, TrialRunner.MeasurementSettings.CALIBRATION.batchSize(), percentile);
    }

    /** How trials' models are measured with this configuration. */
    public TrialRunner.MeasurementSettings measurement() {
        return new TrialRunner.MeasurementSettings(latencyBatch, TrialRunner.MeasurementSettings.DEFAULT.latencyRuns(),
                runtime, calibration);
    }

    /**
     * Checks the overrides of the trial consumer's group timing (see {@link WorkerClients#SESSION_TIMEOUT_MS}) at
     * start-up, naming the variable: whole positive milliseconds, the heartbeat below the session timeout, and none
     * of the classic protocol's settings with {@code group.protocol=consumer}, where the broker owns them.
     */
    static void checkGroupTiming(KafkaClientOverrides kafka) {
        Map<String, String> p = kafka.properties();
        String protocol = p.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        if (protocol != null && protocol.trim().equalsIgnoreCase("consumer")) {
            for (String name : WorkerClients.CLASSIC_ONLY) {
                if (p.containsKey(name)) {
                    throw new IllegalArgumentException(variable(name) + ": not used with group.protocol=consumer, where the "
                            + "broker sets the session timeout, heartbeat interval and assignment (group.consumer.* broker "
                            + "settings); unset it, or use group.protocol=classic");
                }
            }
            return;
        }
        int session = millis(p, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, WorkerClients.SESSION_TIMEOUT_MS);
        int heartbeat = millis(p, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, WorkerClients.HEARTBEAT_INTERVAL_MS);
        if (heartbeat >= session) {
            String which = p.containsKey(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG) ? ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG
                    : ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG;
            throw new IllegalArgumentException(variable(which) + ": the heartbeat interval (" + heartbeat + " ms) must be "
                    + "below the session timeout (" + session + " ms); a third of it or less is usual");
        }
    }

    private static int millis(Map<String, String> overrides, String name, int defaultValue) {
        String text = overrides.get(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the variable's name
        }
        throw new IllegalArgumentException(variable(name) + ": must be a whole number of milliseconds above 0 (got '"
                + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "')");
    }

    private static String variable(String property) {
        return KafkaClientOverrides.PREFIX + property.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }

    /**
     * The S3 settings from {@code NAS_S3_ENDPOINT}, {@code NAS_S3_REGION} and {@code NAS_S3_PATH_STYLE}, validated
     * (errors name the variable); credentials come from the AWS SDK's default chain.
     */
    public static S3Settings s3(Settings s) {
        return new S3Settings(S3Settings.parseEndpoint(s.get(S3_ENDPOINT)), s.get(S3_REGION),
                S3Settings.parseBoolean(S3_PATH_STYLE.env(), s.get(S3_PATH_STYLE)), null);
    }

    /** A copy with another worker id (several workers in one process). */
    public WorkerConfig withWorkerId(String id) {
        return new WorkerConfig(bootstrapServers, groupId, id, slots, devices, dataDir, artifactUri, s3, shutdownGraceSeconds,
                latencyBatch, evaluator, syntheticDelayMillis, httpHost, httpPort, kafka, cpu, runtime, calibration);
    }

    /** A copy with other Kafka client overrides. */
    public WorkerConfig withKafka(KafkaClientOverrides overrides) {
        return new WorkerConfig(bootstrapServers, groupId, workerId, slots, devices, dataDir, artifactUri, s3, shutdownGraceSeconds,
                latencyBatch, evaluator, syntheticDelayMillis, httpHost, httpPort, overrides, cpu, runtime, calibration);
    }

    /** A copy saving models at {@code uri} (a path, {@code file:} or {@code s3://} URI) with these S3 settings. */
    public WorkerConfig withArtifacts(String uri, S3Settings settings) {
        return new WorkerConfig(bootstrapServers, groupId, workerId, slots, devices, dataDir, uri, settings,
                shutdownGraceSeconds, latencyBatch, evaluator, syntheticDelayMillis, httpHost, httpPort, kafka, cpu, runtime, calibration);
    }

    /** A copy measuring in another runtime. */
    public WorkerConfig withRuntime(InferenceRuntime other) {
        return new WorkerConfig(bootstrapServers, groupId, workerId, slots, devices, dataDir, artifactUri, s3,
                shutdownGraceSeconds, latencyBatch, evaluator, syntheticDelayMillis, httpHost, httpPort, kafka, cpu, other,
                calibration);
    }

    /** A copy with other CPU settings. */
    public WorkerConfig withCpu(CpuSettings settings) {
        return new WorkerConfig(bootstrapServers, groupId, workerId, slots, devices, dataDir, artifactUri, s3,
                shutdownGraceSeconds, latencyBatch, evaluator, syntheticDelayMillis, httpHost, httpPort, kafka, settings, runtime, calibration);
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "worker" : host;
    }
}
