package org.naspipeline.cli;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.config.Settings;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.cpu.CpuSettings;
import org.naspipeline.worker.cpu.WorkerCpu;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.pipeline.ArtifactStore;
import org.naspipeline.worker.pipeline.DeviceSelection;
import org.naspipeline.worker.pipeline.InferenceRuntime;
import org.naspipeline.worker.pipeline.TrialRunner;
import org.naspipeline.worker.service.WorkerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nas evaluate}: one trial through the worker's pipeline, without Kafka. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Train and measure one candidate locally with the same pipeline the workers use.")
final class EvaluateCommand implements Callable<Integer> {
    static final int DEFAULT_TRAIN_LIMIT = 10_000;
    static final int DEFAULT_TEST_LIMIT = 2_000;

    @Parameters(index = "0", description = "candidate JSON ({\"architecture\": …, \"compression\": …, \"parameters\": …})")
    Path candidateFile;

    @Option(names = "--epochs", defaultValue = "2", description = "training epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "training batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.002", description = "learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--schedule", defaultValue = "constant", description = "constant or cosine (default: ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist, mnist, cifar10, csv or tokens (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "dataset directory (default: NAS_DATA_DIR, the full set, the bundled subset)")
    Path data;

    @Option(names = "--train-limit", description = "use at most this many training examples, 10%% held out for validation "
            + "(default: " + DEFAULT_TRAIN_LIMIT + ", about a minute on 2 cores; --full: all)")
    Integer trainLimit;

    @Option(names = "--test-limit", description = "use at most this many test examples (default: " + DEFAULT_TEST_LIMIT + "; --full: all)")
    Integer testLimit;

    @Option(names = "--full", description = "train and test on every example of the dataset (the full Fashion-MNIST: 54,000 "
            + "training examples, several minutes per epoch on 2 cores)")
    boolean full;

    @Option(names = "--seed", defaultValue = "42", description = "training seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu:N (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--latency-batch", defaultValue = "32", description = "second latency batch size (default: ${DEFAULT-VALUE})")
    int latencyBatch;

    @Option(names = "--out", description = "artifact directory or s3://bucket/prefix (NAS_S3_* settings apply) "
            + "(default: $XDG_STATE_HOME/nas/evaluate, else ~/.local/state/nas/evaluate)")
    String out;

    @Option(names = "--runtime", paramLabel = "RUNTIME", description = "what accuracy, latency and size are measured in: "
            + "onnxruntime (the saved .onnx file, int8 kernels) or djl (default: NAS_INFERENCE_RUNTIME, else onnxruntime)")
    String runtime;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(candidateFile)) {
            System.err.println(candidateFile + ": no such file");
            return 2;
        }
        if (data != null && !Files.isDirectory(data)) {
            System.err.println("--data: no such directory: " + data);
            return 2;
        }
        Candidate candidate;
        TrainingSpec training = new TrainingSpec(epochs, batchSize, learningRate, optimizer, schedule);
        DatasetSpec datasetSpec = new DatasetSpec(dataset, limit(trainLimit, DEFAULT_TRAIN_LIMIT), limit(testLimit, DEFAULT_TEST_LIMIT),
                null, null);
        byte[] content = Files.readAllBytes(candidateFile);
        String spec = experimentSpecInstead(content);
        if (spec != null) {
            System.err.println(candidateFile + " is an experiment spec (it has \"" + spec + "\"), not a candidate: submit it with "
                    + "`nas submit " + candidateFile + "`, or give `nas evaluate` one candidate ({\"architecture\": …}; see "
                    + "examples/candidates/)");
            return 2;
        }
        try {
            candidate = JsonCodec.readCandidate(content);
            org.naspipeline.api.Errors errors = new org.naspipeline.api.Errors();
            training.validate(errors, "training");
            datasetSpec.validate(errors, "dataset");
            errors.throwIfAny();
        } catch (InvalidInputException e) {
            System.err.println(candidateFile + ": invalid input");
            e.errors().forEach(err -> System.err.println("  " + err));
            return 2;
        }
        TrialRunner.MeasurementSettings measurement; // checked before anything is opened
        try {
            Settings settings = Settings.fromEnvironment();
            InferenceRuntime chosen = runtime != null ? InferenceRuntime.parse("--runtime", runtime)
                    : WorkerConfig.runtime(settings);
            measurement = new TrialRunner.MeasurementSettings(latencyBatch, 200, chosen, WorkerConfig.calibration(settings));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage()); // names the option or variable to fix
            return 2;
        }
        WorkerCpu cpu; // before the engine loads: it reads the thread options once
        try {
            cpu = WorkerCpu.open(CpuSettings.from(Settings.fromEnvironment()), 1);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println(e.getMessage()); // names the variable to fix
            return 2;
        }
        Device d = DeviceSelection.parse(device).get(0);
        ArtifactStore store;
        try {
            store = ArtifactStores.open("--out", out != null ? out : NasPaths.state("evaluate").toString(),
                    WorkerConfig.s3(Settings.fromEnvironment()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage()); // names the option or variable to fix
            return 2;
        }
        TrialRunner runner = new TrialRunner(DatasetResolver.fromEnvironment(), data, store, "evaluate",
                d, new ReentrantLock(), cpu, measurement);
        TrialRequest request = new TrialRequest(ExperimentSpec.SCHEMA_VERSION, "evaluate",
                candidateFile.getFileName().toString().replaceAll("\\.json$", ""), 1, candidate, datasetSpec, training, seed);
        TrialResult result = runner.run(request, p -> {
            if (!json) {
                console.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, train accuracy %.4f, validation accuracy %.4f, %.0f samples/s%n",
                        p.epoch(), p.epochs(), p.loss(), p.trainAccuracy(), p.validationAccuracy(), p.samplesPerSecond());
            }
        }, () -> false);
        if (json) {
            console.println(JsonCodec.writePretty(result));
        } else if (result instanceof TrialResult.Completed c) {
            print(c.metrics(), c.artifactUri());
        } else if (result instanceof TrialResult.Failed f) {
            console.println("FAILED: " + f.reason());
        }
        return result instanceof TrialResult.Completed ? 0 : 1;
    }

    /** The given limit, else the default one unless {@code --full} asks for everything. */
    private Integer limit(Integer given, int defaultLimit) {
        return given != null ? given : full ? null : defaultLimit;
    }

    /** The first field that only an experiment spec has, when {@code content} is one; else null. */
    static String experimentSpecInstead(byte[] content) {
        try {
            com.fasterxml.jackson.databind.JsonNode tree = JsonCodec.readTree(content);
            if (tree.isObject() && !tree.has("architecture")) {
                for (String field : List.of("searchSpace", "objectives", "budget", "strategy")) {
                    if (tree.has(field)) {
                        return field;
                    }
                }
            }
        } catch (InvalidInputException e) {
            return null; // not JSON: reading it as a candidate reports where
        }
        return null;
    }

    private void print(TrialMetrics m, String artifact) {
        console.printf(Locale.ROOT, "validation accuracy   %.4f (%d examples)%n", m.accuracy(), m.validationSamples());
        console.printf(Locale.ROOT, "test accuracy         %.4f (%d examples)%n", m.testAccuracy(), m.testSamples());
        console.printf(Locale.ROOT, "latency batch 1       p50 %.3f ms, p95 %.3f ms, cv %.2f%n", m.latencyMsP50(), m.latencyMsP95(), m.latencyCv());
        console.printf(Locale.ROOT, "latency batch %-3d     p50 %.3f ms, p95 %.3f ms%n", m.latencyBatch(), m.latencyBatchMsP50(), m.latencyBatchMsP95());
        console.printf(Locale.ROOT, "latency measured on   %d thread(s), %s%n", m.latencyThreads(),
                Boolean.TRUE.equals(m.latencyExclusive()) ? "alone on this host (measurement lock held)"
                        : "without the host-wide measurement lock");
        console.printf(Locale.ROOT, "parameters            %,d (%,d non-zero)%n", m.params(), m.nonZeroParams());
        console.printf(Locale.ROOT, "MACs                  %,d%n", m.macs());
        if (m.inference() != null) {
            TrialMetrics.Inference in = m.inference();
            console.printf(Locale.ROOT, "measured in           %s, %s%s%n", in.runtime(), in.model(),
                    in.kernels().isEmpty() ? "" : "; kernels: " + String.join(", ", in.kernels()));
            if (in.fp32TestAccuracy() != null) {
                console.printf(Locale.ROOT, "fp32 test accuracy    %.4f (%s, beside the int8 file's above)%n",
                        in.fp32TestAccuracy(), ArtifactStore.ONNX_FILE);
            }
            console.printf(Locale.ROOT, "deployable files      %s%n", String.join(", ", in.files()));
        }
        console.printf(Locale.ROOT, "saved size            %,d bytes (%s)%n", m.sizeBytes(), artifact);
        console.printf(Locale.ROOT, "training              %d examples, %.1f s, %.0f samples/s on %s, %d threads%n",
                m.trainSamples(), m.trainSeconds(), m.samplesPerSecond(), m.device(), m.threads());
        if (m.layers() != null) {
            printLayers(console, m.layers());
        }
        if (m.compression() != null) {
            printCompression(m.compression());
        }
    }

    /**
     * The layer table, one row per layer: a residual block's branches indented and named, then its sum; the output
     * shape of one example, weights (total and non-zero) and batch-1 MACs.
     */
    static void printLayers(PrintStream out, List<TrialMetrics.Layer> layers) {
        out.printf(Locale.ROOT, "%-46s %-16s %10s %10s %12s%n", "layer", "output shape", "params", "non-zero", "MACs");
        for (TrialMetrics.Layer l : layers) {
            java.util.regex.Matcher branch = java.util.regex.Pattern.compile("\\.(body|shortcut)\\[\\d+]$").matcher(l.path());
            // ASCII, so that a console in any locale shows it
            String what = l.layer().replace("→", "->").replace("×", "x");
            String name = branch.find() ? "  " + branch.group(1) + ": " + what : what;
            String shape = l.outputShape() == null ? "-"
                    : l.outputShape().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(" x "));
            out.printf(Locale.ROOT, "%-46s %-16s %,10d %,10d %,12d%n", name.length() > 46 ? name.substring(0, 43) + "..." : name,
                    shape, l.params(), l.nonZeroParams(), l.macs());
        }
    }

    private void printCompression(org.naspipeline.api.CompressionReport report) {
        console.printf(Locale.ROOT, "weights stored as     %s%n", report.weightFormat());
        console.printf(Locale.ROOT, "executed as           %s%n", report.executedAs());
        console.printf(Locale.ROOT, "%-9s %-52s %8s %8s %10s %10s %12s %10s %8s%n", "stage", "settings", "val acc",
                "test acc", "params", "non-zero", "MACs", "bytes", "p50 ms");
        for (org.naspipeline.api.CompressionReport.Stage st : report.stages()) {
            if (st == report.stages().get(0)) {
                row("before", "", st.before());
            }
            row(st.stage(), st.settings(), st.after());
        }
    }

    private void row(String stage, String settings, org.naspipeline.api.CompressionReport.Snapshot s) {
        console.printf(Locale.ROOT, "%-9s %-52s %8.4f %8.4f %,10d %,10d %,12d %,10d %8.3f%n", stage,
                settings.length() > 52 ? settings.substring(0, 49) + "..." : settings, s.accuracy(), s.testAccuracy(),
                s.params(), s.nonZeroParams(), s.macs(), s.bytes(), s.latencyMsP50());
    }
}
