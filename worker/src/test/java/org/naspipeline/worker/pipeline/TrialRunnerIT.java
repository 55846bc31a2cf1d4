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
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.StageSpec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.data.DatasetResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real DJL training on the bundled Fashion-MNIST subset. */
class TrialRunnerIT {
    static final Path DATA = DatasetResolver.fromEnvironment().resolve(Path.of("..", "datasets", "fashion-mnist-mini")).dir();
    static final Candidate SMALL_CNN = new Candidate(new ArchitectureSpec(ModelFamily.CNN,
            List.of(new StageSpec(1, 16, 3, ConvType.PLAIN, false, true, Pooling.MAX),
                    new StageSpec(1, 32, 3, ConvType.PLAIN, true, true, Pooling.MAX)),
            null, new HeadSpec(64, 0.0)), CompressionSpec.NONE);

    @TempDir
    Path artifacts;

    TrialRequest request(Candidate candidate, int epochs, int trainLimit) {
        return new TrialRequest(1, "exp", "exp-t0001", 1, candidate, new DatasetSpec("fashion-mnist", trainLimit, 500),
                new TrainingSpec(epochs, 64, 0.002, "adam"), 42L);
    }

    @Test
    void trainsARealCnnAndMeasuresAccuracyLatencyAndSize() throws Exception {
        TrialRunner runner = new TrialRunner(DATA, new FileArtifactStore(artifacts), "w1", Device.cpu(), new ReentrantLock());
        List<TrialEvent.Progress> progress = new ArrayList<>();
        TrialResult result = runner.run(request(SMALL_CNN, 2, 2000), progress::add, () -> false);

        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialResult.Completed done = (TrialResult.Completed) result;
        assertThat(done.metrics().accuracy()).isGreaterThan(0.65); // 10 classes: chance is 0.10
        assertThat(done.metrics().testSamples()).isEqualTo(500);
        assertThat(done.metrics().trainSamples()).isEqualTo(2000);
        assertThat(done.metrics().latencyMsP50()).isPositive();
        assertThat(done.metrics().latencyMsP95()).isGreaterThanOrEqualTo(done.metrics().latencyMsP50());
        // conv 1→16 (144) + BN 64 + conv 16→32 (4608) + BN 128 + projection 16→32 (512) + fc 1568→64 + 64→10
        assertThat(done.metrics().params()).isEqualTo(144 + 64 + 4608 + 128 + 512 + 1568 * 64 + 64 + 64 * 10 + 10);
        Path params = Path.of(java.net.URI.create(done.artifactUri())).resolve("model").resolve("model-0000.params");
        assertThat(Files.size(params)).isEqualTo(done.metrics().sizeBytes());
        assertThat(done.metrics().sizeBytes()).isGreaterThan(done.metrics().params() * 4);
        assertThat(progress).extracting(TrialEvent.Progress::epoch).containsExactly(1, 2);
        assertThat(progress.get(1).loss()).isLessThan(progress.get(0).loss());
    }

    @Test
    void unbuildableArchitecturesAndUnsupportedCompressionFailWithoutRetry() {
        TrialRunner runner = new TrialRunner(DATA, new FileArtifactStore(artifacts), "w1", Device.cpu(), new ReentrantLock());
        StageSpec pooled = new StageSpec(1, 4, 1, ConvType.PLAIN, false, false, Pooling.MAX);
        Candidate tooDeep = new Candidate(new ArchitectureSpec(ModelFamily.CNN,
                List.of(pooled, pooled, pooled, pooled, pooled), null, new HeadSpec(0, 0)), CompressionSpec.NONE);
        TrialResult r1 = runner.run(request(tooDeep, 1, 100), ProgressListener.NONE, () -> false);
        assertThat(r1).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).contains("architecture.stages[4].pooling");
        });
        Candidate quantized = new Candidate(SMALL_CNN.architecture(),
                new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_TENSOR, DistillationSpec.OFF, 1.0));
        TrialResult r2 = runner.run(request(quantized, 1, 100), ProgressListener.NONE, () -> false);
        assertThat(r2).isInstanceOfSatisfying(TrialResult.Failed.class, f -> assertThat(f.reason()).contains("compression"));
    }

    @Test
    void twoRunnersSharingTheEngineLockTrainConcurrentlyInOneJvm() {
        // DJL's PyTorch engine allows one gradient collector per process; without the shared lock one of
        // these fails with "A PtGradientCollector is already collecting".
        Lock lock = new ReentrantLock(true);
        TrialRunner a = new TrialRunner(DATA, new FileArtifactStore(artifacts.resolve("a")), "a", Device.cpu(), lock);
        TrialRunner b = new TrialRunner(DATA, new FileArtifactStore(artifacts.resolve("b")), "b", Device.cpu(), lock);
        CompletableFuture<TrialResult> ra = CompletableFuture.supplyAsync(() -> a.run(request(SMALL_CNN, 1, 1500), ProgressListener.NONE, () -> false));
        CompletableFuture<TrialResult> rb = CompletableFuture.supplyAsync(() -> b.run(request(SMALL_CNN, 1, 1500), ProgressListener.NONE, () -> false));
        assertThat(List.of(ra.join(), rb.join())).allSatisfy(r -> assertThat(r).isInstanceOf(TrialResult.Completed.class));
    }

    @Test
    void cancellationStopsTrainingBetweenBatches() {
        TrialRunner runner = new TrialRunner(DATA, new FileArtifactStore(artifacts), "w1", Device.cpu(), new ReentrantLock());
        int[] checks = {0};
        assertThatThrownBy(() -> runner.run(request(SMALL_CNN, 1, 2000), ProgressListener.NONE, () -> ++checks[0] > 3))
                .isInstanceOf(TrialCancelledException.class)
                .hasMessageContaining("epoch 1 batch 3");
    }
}
