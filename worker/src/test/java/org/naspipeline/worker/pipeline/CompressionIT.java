package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.compress.ArtifactFormat;
import org.naspipeline.worker.compress.MagnitudePruner;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compression stages on real DJL models trained on the bundled Fashion-MNIST subset: one reference CNN is
 * trained once, and each test compresses it as a compression-only trial (the base model is the trained artifact),
 * checking the acceptance figures on the model as saved and reloaded.
 */
class CompressionIT {
    static final TrainingSpec TRAINING = new TrainingSpec(3, 64, 0.002, "adam");
    /** 3,600 training, 400 validation and 2,000 test images: one test example is 0.05 pp. */
    static final org.naspipeline.api.DatasetSpec DATA = new org.naspipeline.api.DatasetSpec("fashion-mnist", 4000, 2000);

    @TempDir
    static Path store;
    /** Measures in DJL, so that figures are those of the model.nasm artifact as reloaded. */
    static TrialRunner runner;
    /** Measures in ONNX Runtime, the default, over the saved ONNX files. */
    static TrialRunner onnx;
    static String baseUri;
    static TrialMetrics base;

    @BeforeAll
    static void trainTheReferenceModel() {
        ReentrantLock engine = new ReentrantLock();
        TrialRunner.MeasurementSettings measurement = new TrialRunner.MeasurementSettings(16, 50);
        runner = new TrialRunner(DatasetResolver.fromEnvironment(), TrialRunnerIT.DATA, new FileArtifactStore(store), "w1",
                Device.cpu(), engine, TestCpu.shared(), measurement.in(InferenceRuntime.DJL));
        onnx = new TrialRunner(DatasetResolver.fromEnvironment(), TrialRunnerIT.DATA, new FileArtifactStore(store), "w1",
                Device.cpu(), engine, TestCpu.shared(), measurement);
        TrialResult.Completed done = completed(run("base", TrialRunnerIT.SMALL_CNN, 42));
        baseUri = done.artifactUri();
        base = done.metrics();
    }

    static TrialResult run(String trialId, Candidate candidate, long seed) {
        return run(trialId, candidate, seed, ProgressListener.NONE);
    }

    static TrialResult run(String trialId, Candidate candidate, long seed, ProgressListener listener) {
        return run(runner, trialId, candidate, seed, listener);
    }

    static TrialResult run(TrialRunner with, String trialId, Candidate candidate, long seed, ProgressListener listener) {
        TrialRequest req = new TrialRequest(1, "exp", trialId, 1, candidate, DATA, TRAINING, seed);
        return with.run(req, listener, () -> false);
    }

    static TrialResult.Completed completed(TrialResult r) {
        assertThat(r).isInstanceOf(TrialResult.Completed.class);
        return (TrialResult.Completed) r;
    }

    /** Compresses the reference model with {@code compression} (compression only: no training from scratch). */
    static TrialResult.Completed compress(String trialId, PruningSpec pruning, Quantization q, double lowRank) {
        return compress(trialId, pruning, q, lowRank, null);
    }

    /** As above, with low-rank factorization limited to {@code lowRankLayers} ({@code all} or {@code dense}). */
    static TrialResult.Completed compress(String trialId, PruningSpec pruning, Quantization q, double lowRank, String lowRankLayers) {
        CompressionSpec c = new CompressionSpec(pruning, q, DistillationSpec.OFF, lowRank, 2, 0.001, baseUri, lowRankLayers);
        return completed(run(trialId, new Candidate(TrialRunnerIT.SMALL_CNN.architecture(), c), 7));
    }

    static CompressionReport.Stage stage(TrialMetrics m, String name) {
        return m.compression().stages().stream().filter(s -> s.stage().equals(name)).findFirst().orElseThrow();
    }

    static NetworkPlan saved(TrialResult.Completed done) throws Exception {
        Path file = Path.of(java.net.URI.create(done.artifactUri())).resolve("model.nasm");
        assertThat(Files.size(file)).isEqualTo(done.metrics().sizeBytes());
        return ArtifactFormat.decode(Files.readAllBytes(file));
    }

    @Test
    void int8PerChannelIsAQuarterOfTheFp32ArtifactAndLosesAtMostOnePoint() throws Exception {
        TrialResult.Completed done = compress("q8c", PruningSpec.NONE, Quantization.INT8_PER_CHANNEL, 1.0);
        TrialMetrics m = done.metrics();
        CompressionReport.Stage q = stage(m, "quantize");
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("quantize");
        assertThat(q.after().bytes()).isEqualTo(m.sizeBytes());
        assertThat((double) m.sizeBytes()).isLessThanOrEqualTo(0.27 * q.before().bytes());
        assertThat((double) m.sizeBytes()).as("against the DJL fp32 file too").isLessThanOrEqualTo(0.27 * base.sizeBytes());
        assertThat(q.before().testAccuracy()).isEqualTo(base.testAccuracy());
        assertThat(base.testAccuracy() - m.testAccuracy()).isLessThanOrEqualTo(0.01);
        assertThat(m.compression().weightFormat()).isEqualTo("i8-channel");
        assertThat(m.compression().executedAs()).contains("dequantized to fp32");
        assertThat(q.layers()).isNotEmpty().allSatisfy(l -> assertThat(l.reconstructionError()).isBetween(0.0, 0.02));
        saved(done);
    }

    @Test
    void inOnnxRuntimeTheInt8FileIsMeasuredAndRunsInt8KernelsBesideTheFp32One() throws Exception {
        CompressionSpec c = new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_CHANNEL, DistillationSpec.OFF, 1.0, 2,
                0.001, baseUri);
        TrialResult.Completed done = completed(run(onnx, "q8c-ort", new Candidate(TrialRunnerIT.SMALL_CNN.architecture(), c),
                7, ProgressListener.NONE));
        TrialMetrics m = done.metrics();
        Path attempt = Path.of(java.net.URI.create(done.artifactUri()));
        assertThat(m.inference().model()).isEqualTo("model.int8.onnx");
        assertThat(m.inference().files()).containsExactly("model.onnx", "model.int8.onnx");
        assertThat(m.inference().kernels()).contains("QLinearConv").anyMatch(k -> k.equals("QGemm"));
        assertThat(Files.size(attempt.resolve("model.int8.onnx"))).isEqualTo(m.sizeBytes());
        assertThat((double) m.sizeBytes()).isLessThanOrEqualTo(0.27 * Files.size(attempt.resolve("model.onnx")));
        assertThat(attempt.resolve("model.nasm")).isRegularFile(); // still what teachers and base models load
        // int8 accuracy beside the fp32 file's, which is the trained model's
        assertThat(m.inference().fp32TestAccuracy()).isCloseTo(base.testAccuracy(), org.assertj.core.data.Offset.offset(0.006));
        assertThat(Math.abs(m.inference().fp32TestAccuracy() - m.testAccuracy())).isLessThanOrEqualTo(0.01);
        assertThat(m.compression().executedAs()).startsWith("int8 QDQ graph model.int8.onnx on onnxruntime 1.")
                .contains("QLinearConv", "activations calibrated min/max over 8 × 32 training examples")
                .doesNotContain("no int8 kernel");
        assertThat(stage(m, "quantize").after().latencyMsP50()).isPositive();
    }

    @Test
    void aModelTheExporterCannotWriteFailsTheTrialWithoutRetryNamingTheLayer() throws Exception {
        // a base model whose first conv holds a NaN weight (a corrupt or diverged file)
        TrainedModels.Loaded loaded = TrainedModels.load("base", baseUri, new FileArtifactStore(store),
                new org.naspipeline.worker.model.ModelBuilder(new long[] {1, 28, 28}, 10), Device.cpu());
        NetworkPlan.weightOf(loaded.plan().layers().get(0))[3] = Float.NaN;
        Path corrupt = Files.createDirectories(store.resolve("corrupt"));
        Files.write(corrupt.resolve("model.nasm"), ArtifactFormat.encode(loaded.plan(), Quantization.FP32).bytes());
        Files.copy(Path.of(java.net.URI.create(baseUri)).resolve("candidate.json"), corrupt.resolve("candidate.json"));
        CompressionSpec c = new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_CHANNEL, DistillationSpec.OFF, 1.0, 2,
                0.001, corrupt.toUri().toString());
        TrialResult r = run(onnx, "nan", new Candidate(TrialRunnerIT.SMALL_CNN.architecture(), c), 7, ProgressListener.NONE);
        assertThat(r).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).startsWith("cannot export the model to ONNX: layers[0]: ").contains("NaN");
        });
    }

    @Test
    void int8PerTensorStoresTheAffineCode() throws Exception {
        TrialResult.Completed done = compress("q8t", PruningSpec.NONE, Quantization.INT8_PER_TENSOR, 1.0);
        assertThat(done.metrics().compression().weightFormat()).isEqualTo("u8-affine");
        assertThat((double) done.metrics().sizeBytes()).isLessThanOrEqualTo(0.27 * stage(done.metrics(), "quantize").before().bytes());
        assertThat(base.testAccuracy() - done.metrics().testAccuracy()).isLessThanOrEqualTo(0.02);
        saved(done);
    }

    @Test
    void l1FilterPruningAtHalfHalvesParamsAndMacsAndFineTuningKeepsAccuracy() throws Exception {
        TrialResult.Completed done = compress("l1", new PruningSpec(PruningMethod.L1_FILTER, 0.5), Quantization.FP32, 1.0);
        TrialMetrics m = done.metrics();
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("prune", "finetune");
        CompressionReport.Stage prune = stage(m, "prune");
        assertThat(prune.before().params()).isEqualTo(base.params());
        assertThat(prune.before().macs()).isEqualTo(base.macs());
        assertThat((double) m.params()).isLessThanOrEqualTo(0.55 * base.params());
        assertThat((double) m.macs()).isLessThanOrEqualTo(0.55 * base.macs());
        assertThat(prune.after().params()).isEqualTo(m.params());
        assertThat(base.testAccuracy() - m.testAccuracy()).isLessThanOrEqualTo(0.02);
        assertThat(prune.layers()).extracting(CompressionReport.LayerChange::to)
                .contains("conv3x3(1→8)", "conv3x3(8→16)", "dense(784→32)", "dense(32→10)");
        assertThat(saved(done).hasWeights()).isTrue();
    }

    @Test
    void lowRankAtAQuarterHalvesTheDenseWeightsAndFineTuningKeepsAccuracy() throws Exception {
        // The acceptance figure is about dense layers (docs/compression.md): factorizing the small convs as well
        // costs about 2 pp more on this CNN, which docs/benchmarks.md reports; that variant is not held to 2 pp.
        TrialResult.Completed done = compress("lr", PruningSpec.NONE, Quantization.FP32, 0.25, "dense");
        TrialMetrics m = done.metrics();
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("lowrank", "finetune");
        long before = denseWeights(new ModelBuilder(1, 28, 28, 10).plan(TrialRunnerIT.SMALL_CNN.architecture()));
        long after = denseWeights(saved(done));
        assertThat((double) after).isLessThanOrEqualTo(0.5 * before);
        assertThat(base.testAccuracy() - m.testAccuracy()).isLessThanOrEqualTo(0.02);
        assertThat(stage(m, "lowrank").layers()).anySatisfy(l -> {
            assertThat(l.from()).isEqualTo("dense(1568→64)");
            assertThat(l.to()).isEqualTo("dense(1568→16) + dense(16→64)");
            assertThat(l.reconstructionError()).isBetween(0.0, 1.0);
        });
        // the result's layer table is of the saved, factorized model
        assertThat(m.layers()).extracting(TrialMetrics.Layer::layer).containsSubsequence("dense 1568→16", "dense 16→64", "dense 64→10");
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::params).sum()).isEqualTo(m.params());
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::macs).sum()).isEqualTo(m.macs());
    }

    static long denseWeights(NetworkPlan plan) {
        long[] n = {0};
        plan.forEachWeighted((path, layer) -> {
            if (layer instanceof NetworkPlan.Dense d) {
                n[0] += (long) d.in() * d.out();
            }
        });
        return n[0];
    }

    @Test
    void magnitudePruningKeepsItsMasksThroughFineTuningAndStoresABitmask() throws Exception {
        TrialResult.Completed done = compress("mag", new PruningSpec(PruningMethod.MAGNITUDE, 0.7, "global", "one-shot"),
                Quantization.FP32, 1.0);
        TrialMetrics m = done.metrics();
        NetworkPlan plan = saved(done);
        assertThat(MagnitudePruner.overallSparsity(plan)).as("masks re-applied after every fine-tuning step")
                .isGreaterThanOrEqualTo(0.699);
        assertThat(m.params()).isEqualTo(base.params());
        assertThat(m.nonZeroParams()).isLessThan((long) (0.4 * base.params()));
        assertThat(m.compression().weightFormat()).isEqualTo("f32+bitmask");
        assertThat(m.compression().executedAs()).contains("no sparse kernels");
        assertThat(m.sizeBytes()).isLessThan(stage(m, "prune").before().bytes() / 2);
    }

    @Test
    void agpReachesTheTargetSparsityInEveryLayer() throws Exception {
        TrialResult.Completed done = compress("agp", new PruningSpec(PruningMethod.MAGNITUDE, 0.5, "layer", "agp"),
                Quantization.INT8_PER_CHANNEL, 1.0);
        TrialMetrics m = done.metrics();
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("prune", "quantize");
        assertThat(MagnitudePruner.sparsity(saved(done))).allSatisfy(l -> assertThat(l.sparsity()).isGreaterThanOrEqualTo(0.49));
        assertThat(m.compression().weightFormat()).contains("i8-channel");
    }

    @Test
    void stagesRunInOrderAndEachReportsBeforeAndAfter() throws Exception {
        List<String> phases = new java.util.ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onEpoch(org.naspipeline.api.TrialEvent.Progress progress) {}

            @Override
            public void onPhase(String phase, double seconds) {
                phases.add(phase);
            }
        };
        // L1-filter pruning at 0.25 leaves 12 and 24 filters, whose convolution gradients the engine got wrong (and
        // NaN now and then) on AMD EPYC AVX-512 hosts until oneDNN was capped at SSE4.1 (ConvolutionEngineIT)
        CompressionSpec c = new CompressionSpec(new PruningSpec(PruningMethod.L1_FILTER, 0.25), Quantization.INT8_PER_CHANNEL,
                DistillationSpec.OFF, 0.5, 2, 0.001, baseUri);
        // in ONNX Runtime: the pruned + low-rank + int8 model exports and runs with int8 kernels
        TrialResult.Completed done = completed(run(onnx, "all", new Candidate(TrialRunnerIT.SMALL_CNN.architecture(), c), 7,
                listener));
        assertThat(phases).containsExactly("prune", "lowrank", "train", "quantize", "measure");
        List<CompressionReport.Stage> stages = done.metrics().compression().stages();
        assertThat(stages).extracting(CompressionReport.Stage::stage).containsExactly("prune", "lowrank", "finetune", "quantize");
        for (int i = 1; i < stages.size(); i++) {
            assertThat(stages.get(i).before()).isEqualTo(stages.get(i - 1).after());
        }
        assertThat(stages.get(3).after().params()).isEqualTo(done.metrics().params());
        assertThat(stages.get(3).after().bytes()).isEqualTo(Files.size(Path.of(java.net.URI.create(done.artifactUri()))
                .resolve("model.nasm")));
        assertThat(done.metrics().inference().kernels()).contains("QLinearConv");
        assertThat(done.metrics().testAccuracy()).isGreaterThan(0.5);
    }

    @Test
    void aDistilledStudentTrainsAgainstTheFrozenTeacher() throws Exception {
        Path teacherFile = Path.of(java.net.URI.create(baseUri)).resolve("model").resolve("model-0000.params");
        byte[] teacherBefore = Files.readAllBytes(teacherFile);
        Candidate plain = TrialRunnerIT.SMALL_CNN;
        CompressionSpec distil = new CompressionSpec(PruningSpec.NONE, Quantization.FP32,
                new DistillationSpec(true, 4.0, 0.5, "hinton", baseUri), 1.0);
        TrialResult.Completed hard = completed(run("hard", plain, 11));
        TrialResult.Completed soft = completed(run("soft", new Candidate(plain.architecture(), distil), 11));
        assertThat(soft.metrics().trainLoss()).isNotEqualTo(hard.metrics().trainLoss());
        assertThat(soft.metrics().testAccuracy()).isGreaterThan(0.6);
        assertThat(Files.readAllBytes(teacherFile)).isEqualTo(teacherBefore);
    }

    @Test
    void aMissingTeacherOrAMismatchedBaseModelFailsWithThePath() {
        CompressionSpec noTeacher = new CompressionSpec(PruningSpec.NONE, Quantization.FP32,
                new DistillationSpec(true, 4.0, 0.5, "hinton", store.resolve("nowhere").toUri().toString()), 1.0);
        assertThat(run("t1", new Candidate(TrialRunnerIT.SMALL_CNN.architecture(), noTeacher), 1))
                .isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                    assertThat(f.retriable()).isFalse();
                    assertThat(f.reason()).startsWith("compression.distillation.teacher:").contains("no candidate.json");
                });
        CompressionSpec other = new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_CHANNEL, DistillationSpec.OFF,
                1.0, 1, null, baseUri);
        org.naspipeline.api.ArchitectureSpec mlp = new org.naspipeline.api.MlpArchitecture(List.of(32),
                new org.naspipeline.api.HeadSpec(0, 0));
        assertThat(run("t2", new Candidate(mlp, other), 1))
                .isInstanceOfSatisfying(TrialResult.Failed.class, f -> assertThat(f.reason())
                        .startsWith("compression.baseModel:").contains("was trained for cnn["));
    }
}
