package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.StageSpec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.worker.data.DatasetResolver;

/** Real DJL training on the bundled Fashion-MNIST subset. */
class TrialRunnerIT {
    static final Path DATA = Path.of("..", "datasets", "fashion-mnist-mini");
    static final Candidate SMALL_CNN = new Candidate(new CnnArchitecture(List.of(new StageSpec(1, 16, 3, ConvType.PLAIN, false, true, Pooling.MAX),
                    new StageSpec(1, 32, 3, ConvType.PLAIN, true, true, Pooling.MAX)), new HeadSpec(64, 0.0)), CompressionSpec.NONE);

    @TempDir
    Path artifacts;

    TrialRunner runner(Path store, Lock lock) {
        return runner(store, lock, InferenceRuntime.ONNXRUNTIME);
    }

    TrialRunner runner(Path store, Lock lock, InferenceRuntime runtime) {
        return new TrialRunner(DatasetResolver.fromEnvironment(), DATA, new FileArtifactStore(store), "w1", Device.cpu(),
                lock, TestCpu.shared(), new TrialRunner.MeasurementSettings(16, 50).in(runtime));
    }

    TrialRunner runner() {
        return runner(artifacts, new ReentrantLock());
    }

    static TrialRequest request(Candidate candidate, int epochs, int trainLimit, TrainingSpec training) {
        return new TrialRequest(1, "exp", "exp-t0001", 1, candidate, new DatasetSpec("fashion-mnist", trainLimit, 500),
                training == null ? new TrainingSpec(epochs, 64, 0.002, "adam") : training, 42L);
    }

    static TrialRequest request(Candidate candidate, int epochs, int trainLimit) {
        return request(candidate, epochs, trainLimit, null);
    }

    @Test
    void trainsARealCnnAndMeasuresAccuracyLatencyMacsAndSize() throws Exception {
        List<TrialEvent.Progress> progress = new ArrayList<>();
        TrialResult result = runner().run(request(SMALL_CNN, 2, 2000), progress::add, () -> false);

        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialResult.Completed done = (TrialResult.Completed) result;
        TrialMetrics m = done.metrics();
        assertThat(m.accuracy()).isGreaterThan(0.65); // validation; 10 classes: chance is 0.10
        assertThat(m.testAccuracy()).isGreaterThan(0.65);
        assertThat(m.trainSamples()).isEqualTo(1800);
        assertThat(m.validationSamples()).isEqualTo(200);
        assertThat(m.testSamples()).isEqualTo(500);
        assertThat(m.latencyMsP50()).isPositive();
        assertThat(m.latencyMsP95()).isGreaterThanOrEqualTo(m.latencyMsP50());
        assertThat(m.latencyBatch()).isEqualTo(16);
        assertThat(m.latencyBatchMsP50()).isPositive();
        assertThat(m.latencyCv()).isGreaterThanOrEqualTo(0);
        // latency on NAS_LATENCY_THREADS (default 1), alone on the host; training on the slot's budget, read back
        assertThat(m.latencyThreads()).isEqualTo(1);
        assertThat(m.latencyExclusive()).isTrue();
        assertThat(m.threads()).isBetween(1, Runtime.getRuntime().availableProcessors());
        // conv 1→16 (144) + BN 64 + conv 16→32 (4608) + BN 128 + projection 16→32 (512) + fc 1568→64 + 64→10
        long params = 144 + 64 + 4608 + 128 + 512 + 1568 * 64 + 64 + 64 * 10 + 10;
        assertThat(m.params()).isEqualTo(params);
        assertThat(m.nonZeroParams()).isBetween(params - 200, params); // BN running stats start at 0/1 and move
        // MACs: conv1 16·28·28·9 + conv2 32·14·14·144 + projection 32·14·14·16 + fc 1568·64 + 64·10
        assertThat(m.macs()).isEqualTo(16L * 28 * 28 * 9 + 32L * 14 * 14 * 144 + 32L * 14 * 14 * 16 + 1568L * 64 + 640);
        // layer by layer, adding up to the totals
        assertThat(m.layers()).extracting(TrialMetrics.Layer::layer).containsExactly("conv 3×3, 1→16", "batch norm", "ReLU",
                "max pool 2×2", "conv 3×3, 16→32", "batch norm", "ReLU", "conv 1×1, 16→32", "residual sum (projection shortcut)",
                "max pool 2×2", "flatten", "dense 1568→64", "ReLU", "dense 64→10");
        assertThat(m.layers().get(4)).isEqualTo(new TrialMetrics.Layer("layers[4].body[0]", "conv 3×3, 16→32",
                List.of(32L, 14L, 14L), 4608, m.layers().get(4).nonZeroParams(), 32L * 14 * 14 * 144));
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::params).sum()).isEqualTo(m.params());
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::nonZeroParams).sum()).isEqualTo(m.nonZeroParams());
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::macs).sum()).isEqualTo(m.macs());
        assertThat(m.peakMemoryBytes()).isNull(); // the CPU engine exposes none
        // measured in ONNX Runtime on the saved model.onnx, whose bytes are the size; the DJL files are kept too
        Path attempt = Path.of(java.net.URI.create(done.artifactUri()));
        assertThat(m.inference().runtime()).startsWith("onnxruntime 1.");
        assertThat(m.inference().model()).isEqualTo("model.onnx");
        assertThat(m.inference().files()).containsExactly("model.onnx");
        assertThat(m.inference().kernels()).contains("Conv", "Gemm").noneMatch(TrialRunner::isInt8Kernel);
        assertThat(m.inference().fp32TestAccuracy()).isNull();
        assertThat(Files.size(attempt.resolve("model.onnx"))).isEqualTo(m.sizeBytes());
        assertThat(m.sizeBytes()).isGreaterThan(m.params() * 4);
        assertThat(attempt.resolve("model").resolve("model-0000.params")).isRegularFile();
        assertThat(progress).extracting(TrialEvent.Progress::epoch).containsExactly(1, 2);
        assertThat(progress.get(1).loss()).isLessThan(progress.get(0).loss());
        // the ONNX file computes DJL's logits within 1e-4, so the validation accuracy is DJL's after the last epoch
        assertThat(m.accuracy()).isCloseTo(progress.get(1).validationAccuracy(), org.assertj.core.data.Offset.offset(0.006));
    }

    @Test
    void withTheDjlRuntimeTheTrainedModelIsMeasuredAndTheOnnxFileIsStillSaved() throws Exception {
        TrialResult.Completed done = (TrialResult.Completed) runner(artifacts, new ReentrantLock(), InferenceRuntime.DJL)
                .run(request(SMALL_CNN, 1, 300), ProgressListener.NONE, () -> false);
        TrialMetrics m = done.metrics();
        Path attempt = Path.of(java.net.URI.create(done.artifactUri()));
        assertThat(m.inference().runtime()).startsWith("djl 0.36.0 PyTorch ");
        assertThat(m.inference().model()).isEqualTo("model");
        assertThat(m.inference().kernels()).isEmpty();
        assertThat(m.inference().files()).containsExactly("model.onnx");
        assertThat(Files.size(attempt.resolve("model").resolve("model-0000.params"))).isEqualTo(m.sizeBytes());
        assertThat(attempt.resolve("model.onnx")).isRegularFile();
    }

    @Test
    void theSameSeedGivesTheSameModelOnTheCpu() {
        TrialResult.Completed a = (TrialResult.Completed) runner().run(request(SMALL_CNN, 1, 600), ProgressListener.NONE, () -> false);
        TrialResult.Completed b = (TrialResult.Completed) runner(artifacts.resolve("b"), new ReentrantLock())
                .run(request(SMALL_CNN, 1, 600), ProgressListener.NONE, () -> false);
        assertThat(b.metrics().trainLoss()).isEqualTo(a.metrics().trainLoss());
        assertThat(b.metrics().accuracy()).isEqualTo(a.metrics().accuracy());
        assertThat(b.metrics().testAccuracy()).isEqualTo(a.metrics().testAccuracy());
    }

    @Test
    void aRedeliveredAttemptReplacesItsArtifactSoTheSizeIsTheFileSize() throws Exception {
        TrialResult.Completed first = (TrialResult.Completed) runner().run(request(SMALL_CNN, 1, 300), ProgressListener.NONE, () -> false);
        TrialResult.Completed again = (TrialResult.Completed) runner().run(request(SMALL_CNN, 1, 300), ProgressListener.NONE, () -> false);
        Path modelDir = Path.of(java.net.URI.create(again.artifactUri())).resolve("model");
        try (var files = Files.list(modelDir)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("model-0000.params");
        }
        assertThat(again.metrics().sizeBytes()).isEqualTo(first.metrics().sizeBytes())
                .isEqualTo(Files.size(modelDir.resolve("../model.onnx")));
    }

    @Test
    void aDivergingLossEndsTheTrialAsFailedWithTheReason() {
        TrialResult r = runner().run(request(SMALL_CNN, 1, 600, new TrainingSpec(1, 64, 1e12, "sgd")),
                ProgressListener.NONE, () -> false);
        assertThat(r).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).startsWith("loss became").contains("NaN").contains("learning rate 1.0E12");
        });
    }

    @Test
    void unbuildableArchitecturesAndMissingDataFailWithoutRetry() {
        StageSpec pooled = new StageSpec(1, 4, 1, ConvType.PLAIN, false, false, Pooling.MAX);
        Candidate tooDeep = new Candidate(new CnnArchitecture(List.of(pooled, pooled, pooled, pooled, pooled), new HeadSpec(0, 0)), CompressionSpec.NONE);
        assertThat(runner().run(request(tooDeep, 1, 100), ProgressListener.NONE, () -> false))
                .isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                    assertThat(f.retriable()).isFalse();
                    assertThat(f.reason()).contains("architecture.stages[4].pooling");
                });
        TrialRequest cifar = new TrialRequest(1, "exp", "exp-t0002", 1, SMALL_CNN, new DatasetSpec("cifar10", 100, 100),
                TrainingSpec.defaults(), 1L);
        assertThat(runner().run(cifar, ProgressListener.NONE, () -> false))
                .isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                    assertThat(f.retriable()).isFalse();
                    assertThat(f.reason()).contains("lacks the cifar10 files");
                });
    }

    @Test
    void twoRunnersSharingTheEngineLockTrainConcurrentlyInOneJvm() {
        // DJL's PyTorch engine allows one gradient collector per process; without the shared lock one of
        // these fails with "A PtGradientCollector is already collecting".
        Lock lock = new ReentrantLock(true);
        TrialRunner a = runner(artifacts.resolve("a"), lock);
        TrialRunner b = runner(artifacts.resolve("b"), lock);
        CompletableFuture<TrialResult> ra = CompletableFuture.supplyAsync(() -> a.run(request(SMALL_CNN, 1, 1500), ProgressListener.NONE, () -> false));
        CompletableFuture<TrialResult> rb = CompletableFuture.supplyAsync(() -> b.run(request(SMALL_CNN, 1, 1500), ProgressListener.NONE, () -> false));
        assertThat(List.of(ra.join(), rb.join())).allSatisfy(r -> assertThat(r).isInstanceOf(TrialResult.Completed.class));
    }

    @Test
    void cancellationStopsTrainingBetweenBatches() {
        int[] checks = {0};
        assertThatThrownBy(() -> runner().run(request(SMALL_CNN, 1, 2000), ProgressListener.NONE, () -> ++checks[0] > 3))
                .isInstanceOf(TrialCancelledException.class)
                .hasMessageContaining("epoch 1 batch 3");
        assertThat(checks[0]).isEqualTo(4); // the fourth check stopped it: three batches ran, not one more
    }
}
