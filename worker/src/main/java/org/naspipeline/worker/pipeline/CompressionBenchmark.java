package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.naspipeline.worker.cpu.CpuSettings;
import org.naspipeline.worker.cpu.WorkerCpu;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;
import org.naspipeline.worker.onnx.OnnxModel;

/**
 * {@code nas bench compression}: trains a reference CNN once, compresses it with each stage on its own and in
 * combination (compression-only trials on the trained artifact), and reports every stage's before/after
 * figures. Latency ratios against the uncompressed model are measured side by side: the two saved models are
 * timed in alternating rounds in the same run, and the ratio of the medians is reported. Then a distillation
 * experiment: a small student trained on hard labels and distilled from the reference model (both loss forms)
 * over several seeds, reporting mean test accuracies. A control trains the reference uncompressed for as many
 * epochs as reference training plus fine-tuning, so the gain of extra epochs is not credited to compression.
 */
public final class CompressionBenchmark {
    /** Settings: the reference candidate, data, training and fine-tuning epochs, seeds and latency rounds. */
    public record Settings(Candidate reference, ArchitectureSpec student, Path data, int trainLimit, int testLimit,
                           int epochs, int fineTuneEpochs, int seeds, int latencyRounds, Path out) {}

    /**
     * One compression variant of the reference model: its stages and figures as the trial reported them (test
     * accuracy and {@code sizeBytes} of its deployed ONNX file), the DJL batch-1 latency ratio to the reference
     * ({@code latencyRatio}, ratio of the medians of alternating rounds), and its ONNX Runtime figures
     * ({@code onnx}).
     */
    public record Variant(String name, CompressionSpec compression, List<CompressionReport.Stage> stages,
                          String weightFormat, String executedAs, double testAccuracy, long params, long macs,
                          long sizeBytes, double latencyRatio, List<Double> latencyMsRounds,
                          List<Double> referenceLatencyMsRounds, OrtLatency onnx, String failure) {}

    /**
     * A variant's deployed ONNX file against the reference's {@code model.onnx} in ONNX Runtime, on {@code threads}
     * intra-op threads, timed in alternating rounds (variant, reference, variant, …) at batch 1 and batch
     * {@code batch}: p50 per round, and the median over rounds of the per-round ratio variant ÷ reference. Also the
     * file's bytes against the reference file's, its test accuracy against the reference file's, and the kernels
     * ORT ran.
     */
    public record OrtLatency(String file, long fileBytes, double fileRatio, double testAccuracy, double accuracyDrop,
                             int threads, int batch, double batch1Ratio, double batchRatio, List<Double> batch1Ms,
                             List<Double> referenceBatch1Ms, List<Double> batchMs, List<Double> referenceBatchMs,
                             List<String> kernels) {}

    /** Test accuracies of the student per seed, trained on hard labels and distilled with each loss form. */
    public record Distillation(String student, String teacher, double temperature, double alpha, List<Long> seeds,
                               List<Double> hard, List<Double> hinton, List<Double> softened,
                               double hardMean, double hintonMean, double softenedMean) {}

    /** The reference model's figures, every variant, and the distillation experiment. */
    public record Result(String dataset, String device, int threads, Map<String, Object> reference,
                         List<Variant> variants, Distillation distillation) {}

    /** The second latency batch size, for the trials and the side-by-side ONNX Runtime rounds. */
    static final int LATENCY_BATCH = 32;

    private final Device device;

    /** A benchmark on {@code device}. */
    public CompressionBenchmark(Device device) {
        this.device = device;
    }

    /** The variants measured, by name. */
    static Map<String, CompressionSpec> variants(int fineTuneEpochs, String base) {
        Map<String, CompressionSpec> v = new LinkedHashMap<>();
        DistillationSpec off = DistillationSpec.OFF;
        v.put("int8-per-tensor", new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_TENSOR, off, 1.0, fineTuneEpochs, null, base));
        v.put("int8-per-channel", new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_CHANNEL, off, 1.0, fineTuneEpochs, null, base));
        v.put("l1-filter 0.5", new CompressionSpec(new PruningSpec(PruningMethod.L1_FILTER, 0.5), Quantization.FP32, off, 1.0, fineTuneEpochs, null, base));
        v.put("l1-filter 0.5 + int8-per-channel", new CompressionSpec(new PruningSpec(PruningMethod.L1_FILTER, 0.5),
                Quantization.INT8_PER_CHANNEL, off, 1.0, fineTuneEpochs, null, base));
        v.put("magnitude 0.5 layer one-shot", new CompressionSpec(new PruningSpec(PruningMethod.MAGNITUDE, 0.5), Quantization.FP32, off, 1.0, fineTuneEpochs, null, base));
        v.put("magnitude 0.8 global agp", new CompressionSpec(new PruningSpec(PruningMethod.MAGNITUDE, 0.8, "global", "agp"), Quantization.FP32, off, 1.0, fineTuneEpochs, null, base));
        v.put("low-rank 0.25", new CompressionSpec(PruningSpec.NONE, Quantization.FP32, off, 0.25, fineTuneEpochs, null, base));
        v.put("low-rank 0.25 dense only", new CompressionSpec(PruningSpec.NONE, Quantization.FP32, off, 0.25, fineTuneEpochs,
                null, base, "dense"));
        v.put("l1 0.5 + low-rank 0.5 + int8-per-channel", new CompressionSpec(new PruningSpec(PruningMethod.L1_FILTER, 0.5),
                Quantization.INT8_PER_CHANNEL, off, 0.5, fineTuneEpochs, null, base));
        return v;
    }

    /** Runs everything; {@code log} receives a line per finished trial. */
    public Result run(Settings s, java.util.function.Consumer<String> log) throws IOException {
        FileArtifactStore store = new FileArtifactStore(s.out());
        WorkerCpu cpu = WorkerCpu.open(CpuSettings.from(org.naspipeline.api.config.Settings.fromEnvironment()), 1);
        TrialRunner runner = new TrialRunner(DatasetResolver.fromEnvironment(), s.data(), store, "bench", device,
                new ReentrantLock(), cpu, new TrialRunner.MeasurementSettings(LATENCY_BATCH, 200));
        DatasetSpec dataset = new DatasetSpec("fashion-mnist", s.trainLimit(), s.testLimit());
        TrainingSpec training = new TrainingSpec(s.epochs(), 64, 0.002, "adam");
        TrialResult.Completed reference = completed(runner.run(request("reference", s.reference(), dataset, training, 42),
                ProgressListener.NONE, () -> false));
        log.accept("reference: test " + reference.metrics().testAccuracy() + ", " + reference.metrics().sizeBytes() + " B");
        // control: the fine-tuned variants train fineTuneEpochs more than the reference; this one does too, uncompressed
        TrialResult.Completed control = completed(runner.run(request("control", s.reference(), dataset,
                new TrainingSpec(s.epochs() + s.fineTuneEpochs(), 64, 0.002, "adam"), 42), ProgressListener.NONE, () -> false));
        log.accept("control (" + (s.epochs() + s.fineTuneEpochs()) + " epochs): test " + control.metrics().testAccuracy());
        DatasetResolver.ResolvedDataset where = DatasetResolver.fromEnvironment().resolve(dataset, s.data());
        DatasetSplits data = org.naspipeline.worker.data.Datasets.load(dataset, where.dir());
        ModelBuilder builder = ModelBuilder.of(data.train());
        NetworkPlan referencePlan = TrainedModels.load("reference", reference.artifactUri(), store, builder, device).plan();

        List<Variant> variants = new ArrayList<>();
        for (Map.Entry<String, CompressionSpec> e : variants(s.fineTuneEpochs(), reference.artifactUri()).entrySet()) {
            TrialResult r = runner.run(request(slug(e.getKey()), new Candidate(s.reference().architecture(), e.getValue()),
                    dataset, training, 7), ProgressListener.NONE, () -> false);
            if (r instanceof TrialResult.Failed f) {
                variants.add(new Variant(e.getKey(), e.getValue(), List.of(), null, null, 0, 0, 0, 0, 0, List.of(), List.of(),
                        null, f.reason()));
                continue;
            }
            TrialResult.Completed done = (TrialResult.Completed) r;
            TrialMetrics m = done.metrics();
            NetworkPlan saved = TrainedModels.load(e.getKey(), done.artifactUri(), store, builder, device).plan();
            double[][] rounds = sideBySide(saved, referencePlan, data, s.latencyRounds());
            OrtLatency ort = onnxSideBySide(attempt(done), attempt(reference), m, reference.metrics(), data, s.latencyRounds(),
                    cpu.latencyThreads());
            variants.add(new Variant(e.getKey(), e.getValue(), m.compression().stages(), m.compression().weightFormat(),
                    m.compression().executedAs(), m.testAccuracy(), m.params(), m.macs(), m.sizeBytes(),
                    median(rounds[0]) / median(rounds[1]), boxed(rounds[0]), boxed(rounds[1]), ort, null));
            log.accept(String.format(java.util.Locale.ROOT, "%s: test %.4f, params %d, %d B; DJL batch-1 latency ratio %.3f; "
                    + "ONNX Runtime %s: %.3f of the file, batch-1 ratio %.3f, batch-%d ratio %.3f", e.getKey(),
                    m.testAccuracy(), m.params(), m.sizeBytes(), median(rounds[0]) / median(rounds[1]), ort.file(),
                    ort.fileRatio(), ort.batch1Ratio(), ort.batch(), ort.batchRatio()));
        }

        Distillation distillation = distill(s, runner, dataset, training, reference.artifactUri(), log);
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("candidate", s.reference().architecture().summary());
        ref.put("testAccuracy", reference.metrics().testAccuracy());
        ref.put("params", reference.metrics().params());
        ref.put("macs", reference.metrics().macs());
        ref.put("djlParamsBytes", java.nio.file.Files.size(attempt(reference).resolve(ArtifactStore.MODEL_DIR)
                .resolve(ArtifactStore.MODEL_DIR + "-0000.params")));
        ref.put("onnxBytes", reference.metrics().sizeBytes());
        ref.put("measuredIn", reference.metrics().inference().runtime());
        ref.put("nasmFp32Bytes", org.naspipeline.worker.compress.ArtifactFormat.encode(referencePlan, Quantization.FP32).bytes().length);
        ref.put("latencyMsP50", reference.metrics().latencyMsP50());
        ref.put("controlEpochs", s.epochs() + s.fineTuneEpochs());
        ref.put("controlTestAccuracy", control.metrics().testAccuracy());
        ref.put("trainSeconds", reference.metrics().trainSeconds());
        return new Result(where.toString(), device.toString(), reference.metrics().threads(), ref, variants, distillation);
    }

    private Distillation distill(Settings s, TrialRunner runner, DatasetSpec dataset, TrainingSpec training,
                                 String teacher, java.util.function.Consumer<String> log) {
        double t = 4.0;
        double alpha = 0.5;
        List<Long> seeds = new ArrayList<>();
        List<Double> hard = new ArrayList<>();
        List<Double> hinton = new ArrayList<>();
        List<Double> softened = new ArrayList<>();
        for (int i = 0; i < s.seeds(); i++) {
            long seed = 100 + i;
            seeds.add(seed);
            hard.add(test(runner.run(request("student-hard-" + seed, new Candidate(s.student(), CompressionSpec.NONE),
                    dataset, training, seed), ProgressListener.NONE, () -> false)));
            for (String form : List.of("hinton", "softened")) {
                CompressionSpec c = new CompressionSpec(PruningSpec.NONE, Quantization.FP32,
                        new DistillationSpec(true, t, alpha, form, teacher), 1.0);
                double acc = test(runner.run(request("student-" + form + "-" + seed, new Candidate(s.student(), c),
                        dataset, training, seed), ProgressListener.NONE, () -> false));
                (form.equals("hinton") ? hinton : softened).add(acc);
            }
            log.accept("seed " + seed + ": hard " + hard.get(i) + ", hinton " + hinton.get(i) + ", softened " + softened.get(i));
        }
        return new Distillation(s.student().summary(), s.reference().architecture().summary(), t, alpha, seeds, hard, hinton,
                softened, mean(hard), mean(hinton), mean(softened));
    }

    /** The local directory of a completed attempt. */
    private static Path attempt(TrialResult.Completed done) {
        return FileArtifactStore.localDirectory(done.artifactUri());
    }

    /**
     * The variant's deployed ONNX file (the one its trial measured) against the reference's {@code model.onnx}, in
     * ONNX Runtime on {@code threads} threads: alternating rounds at batch 1 and at {@link #LATENCY_BATCH}.
     */
    private static OrtLatency onnxSideBySide(Path variant, Path reference, TrialMetrics m, TrialMetrics referenceMetrics,
                                             DatasetSplits data, int rounds, int threads) throws IOException {
        String file = m.inference().model();
        Path variantFile = variant.resolve(file);
        Path referenceFile = reference.resolve(ArtifactStore.ONNX_FILE);
        double[][] one = new double[2][rounds];
        double[][] many = new double[2][rounds];
        List<String> kernels;
        try (OnnxModel a = OnnxModel.load(variantFile, threads); OnnxModel b = OnnxModel.load(referenceFile, threads)) {
            for (int r = 0; r < rounds; r++) {
                one[0][r] = a.latency(data.test(), 1, 200).p50();
                one[1][r] = b.latency(data.test(), 1, 200).p50();
                many[0][r] = a.latency(data.test(), LATENCY_BATCH, 200).p50();
                many[1][r] = b.latency(data.test(), LATENCY_BATCH, 200).p50();
            }
            kernels = List.copyOf(a.kernels());
        }
        long bytes = java.nio.file.Files.size(variantFile);
        return new OrtLatency(file, bytes, (double) bytes / java.nio.file.Files.size(referenceFile), m.testAccuracy(),
                referenceMetrics.testAccuracy() - m.testAccuracy(), threads, LATENCY_BATCH, pairedRatio(one), pairedRatio(many),
                boxed(one[0]), boxed(one[1]), boxed(many[0]), boxed(many[1]), kernels);
    }

    /** The median over rounds of {@code rounds[0][r] / rounds[1][r]}. */
    private static double pairedRatio(double[][] rounds) {
        double[] ratios = new double[rounds[0].length];
        for (int r = 0; r < ratios.length; r++) {
            ratios[r] = rounds[0][r] / rounds[1][r];
        }
        return median(ratios);
    }

    /** Batch-1 latency rounds of two models, alternating (a, b, a, b, …): {a p50s, b p50s}. */
    private double[][] sideBySide(NetworkPlan a, NetworkPlan b, DatasetSplits data, int rounds) {
        double[][] out = new double[2][rounds];
        try (Model ma = model(a); Model mb = model(b)) {
            for (int r = 0; r < rounds; r++) {
                out[0][r] = ModelMeter.latency(ma, data.test(), 1, 200).p50();
                out[1][r] = ModelMeter.latency(mb, data.test(), 1, 200).p50();
            }
        }
        return out;
    }

    private Model model(NetworkPlan plan) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        Model m = Model.newInstance("bench", device);
        m.setBlock(built.block());
        PlanBlocks.initializeAndLoad(built, m.getNDManager());
        return m;
    }

    private static TrialRequest request(String trialId, Candidate c, DatasetSpec dataset, TrainingSpec training, long seed) {
        return new TrialRequest(1, "bench-compression", trialId, 1, c, dataset, training, seed);
    }

    private static TrialResult.Completed completed(TrialResult r) {
        if (r instanceof TrialResult.Failed f) {
            throw new IllegalStateException("trial " + f.trialId() + " failed: " + f.reason());
        }
        return (TrialResult.Completed) r;
    }

    private static double test(TrialResult r) {
        return completed(r).metrics().testAccuracy();
    }

    private static String slug(String name) {
        return name.replaceAll("[^A-Za-z0-9]+", "-");
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static List<Double> boxed(double[] v) {
        return Arrays.stream(v).boxed().toList();
    }
}
