package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.worker.data.DatasetResolver;

/**
 * Checkpoints of multi-fidelity requests with real DJL training on the bundled subset: a run continued from a
 * checkpoint picks up the loss, epoch counter and optimizer steps where it stopped; every class of bad checkpoint
 * trains from scratch with a note instead of failing; without a fidelity, and with one, training is the same.
 */
class CheckpointResumeIT {
    static final Candidate MLP = new Candidate(new MlpArchitecture(List.of(32), new HeadSpec(0, 0.0)),
            CompressionSpec.NONE);
    static final Candidate OTHER_MLP = new Candidate(new MlpArchitecture(List.of(16),
            new HeadSpec(0, 0.0)), CompressionSpec.NONE);
    static final DatasetSpec SMALL = new DatasetSpec("fashion-mnist", 400, 100);

    @TempDir
    static Path store;
    @TempDir
    static Path elsewhere;
    /** One epoch of {@link #MLP} with a checkpoint, the one the bad checkpoints are made from. */
    static TrialResult.Completed base;

    static TrialRunner runner() {
        return new TrialRunner(DatasetResolver.fromEnvironment(), TrialRunnerIT.DATA, new FileArtifactStore(store), "w1",
                Device.cpu(), new ReentrantLock(), TestCpu.shared(), new TrialRunner.MeasurementSettings(8, 5));
    }

    static TrialRequest request(String trialId, int attempt, Candidate candidate, DatasetSpec data, TrainingSpec training,
                                Fidelity fidelity) {
        return new TrialRequest(1, "exp", trialId, attempt, candidate, data, training, 42L, null, fidelity);
    }

    static TrainingSpec adam(int epochs) {
        return new TrainingSpec(epochs, 64, 0.002, "adam", "cosine");
    }

    @BeforeAll
    static void trainTheBase() {
        base = (TrialResult.Completed) runner().run(request("exp-base", 1, MLP, SMALL, adam(1),
                new Fidelity(0, 4, true, null, null)), ProgressListener.NONE, () -> false);
    }

    static Path file(String uri) {
        return Path.of(URI.create(uri));
    }

    @Test
    void aResumedRunContinuesTheLossTheEpochsAndTheOptimizerSteps() throws Exception {
        DatasetSpec data = new DatasetSpec("fashion-mnist", 1000, 200);
        int stepsPerEpoch = (900 + 63) / 64; // 1000 examples less the 10% held out for validation
        List<TrialEvent.Progress> fresh = new ArrayList<>();
        TrialResult.Completed rung0 = (TrialResult.Completed) runner().run(request("exp-r", 1, MLP, data, adam(2),
                new Fidelity(0, 4, true, null, null)), fresh::add, () -> false);
        assertThat(fresh).extracting(TrialEvent.Progress::epoch).containsExactly(1, 2);
        Checkpoint saved = rung0.checkpoint();
        assertThat(saved.uri()).isEqualTo(rung0.artifactUri() + ArtifactStore.CHECKPOINT_FILE);
        assertThat(saved.epoch()).isEqualTo(2);
        assertThat(saved.resumedFromEpoch()).isNull();
        assertThat(saved.note()).isNull();
        CheckpointFile.Contents first = CheckpointFile.decode(Files.readAllBytes(file(saved.uri())));
        assertThat(first.epoch()).isEqualTo(2);
        assertThat(first.steps()).isEqualTo(2 * stepsPerEpoch);
        assertThat(first.optimizer()).isEqualTo("adam");
        // both dense layers' weight and bias, each with Adam's two moments, which moved off zero
        assertThat(first.parameters()).hasSize(4).allSatisfy(e -> {
            assertThat(e.state()).hasSize(2);
            assertThat(maxAbs(e.state().get(1))).isPositive();
        });

        List<TrialEvent.Progress> resumed = new ArrayList<>();
        TrialResult.Completed rung1 = (TrialResult.Completed) runner().run(request("exp-r", 2, MLP, data, adam(4),
                new Fidelity(1, 4, true, saved.uri(), 2)), resumed::add, () -> false);
        assertThat(resumed).extracting(TrialEvent.Progress::epoch).containsExactly(3, 4);
        assertThat(resumed).extracting(TrialEvent.Progress::epochs).containsOnly(4);
        assertThat(rung1.checkpoint()).isEqualTo(new Checkpoint(rung1.artifactUri() + ArtifactStore.CHECKPOINT_FILE, 4, 2, null));
        // no jump back to an untrained model's loss: epoch 3 starts where epoch 2 ended
        double loss1 = fresh.get(0).loss();
        double loss2 = fresh.get(1).loss();
        double loss3 = resumed.get(0).loss();
        assertThat(loss3).isLessThan(0.8 * loss1).isLessThan(loss2 * 1.1).isGreaterThan(loss2 * 0.6);
        // and near epoch 3 of the same trial trained without a stop (only the shuffling differs)
        List<TrialEvent.Progress> straight = new ArrayList<>();
        runner().run(request("exp-straight", 1, MLP, data, adam(4), new Fidelity(1, 4, false, null, null)), straight::add,
                () -> false);
        assertThat(loss3).isCloseTo(straight.get(2).loss(), org.assertj.core.data.Percentage.withPercentage(15));
        assertThat(resumed.get(0).trainAccuracy()).isGreaterThan(fresh.get(0).trainAccuracy());
        // the step count went on from the checkpoint's: 2 epochs restored + 2 trained
        CheckpointFile.Contents second = CheckpointFile.decode(Files.readAllBytes(file(rung1.checkpoint().uri())));
        assertThat(second.epoch()).isEqualTo(4);
        assertThat(second.steps()).isEqualTo(4 * stepsPerEpoch);
        // the earlier attempt's checkpoint is left as it was
        assertThat(CheckpointFile.decode(Files.readAllBytes(file(saved.uri()))).steps()).isEqualTo(2 * stepsPerEpoch);
    }

    static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** Each class of bad checkpoint: a name, how to make its URI from the base's, the expected start of the note. */
    static Stream<Arguments> badCheckpoints() {
        return Stream.of(
                Arguments.of("missing", (Bad) good -> good.replace("attempt-1", "attempt-9"), "lost (no such file)"),
                Arguments.of("empty", (Bad) good -> write("empty", new byte[0]), "corrupt: empty file"),
                Arguments.of("truncated", (Bad) good -> write("truncated", slice(read(good), read(good).length / 2)),
                        "corrupt: truncated"),
                Arguments.of("random bytes", (Bad) good -> write("random", random(read(good).length)),
                        "corrupt: not a checkpoint file"),
                Arguments.of("bit flip", (Bad) good -> write("flipped", flip(read(good))), "corrupt: checksum mismatch"),
                Arguments.of("other architecture", (Bad) good -> otherArchitecture(), "is of another architecture"),
                Arguments.of("outside the store", (Bad) good -> outside(good), "cannot be read here"),
                Arguments.of("another scheme", (Bad) good -> "s3://bucket/exp/exp-base/attempt-1/checkpoint.nasckpt",
                        "cannot be read here"),
                Arguments.of("a 2048-character URI outside the store", (Bad) good -> longUri(), "cannot be read here"));
    }

    interface Bad {
        String uri(String good) throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCheckpoints")
    void aBadCheckpointTrainsFromScratchAndSaysWhy(String name, Bad bad, String why) throws Exception {
        String uri = bad.uri(base.checkpoint().uri());
        List<TrialEvent.Progress> progress = new ArrayList<>();
        TrialResult result = runner().run(request("exp-bad", 2, MLP, SMALL, adam(2), new Fidelity(1, 4, true, uri, 1)),
                progress::add, () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        Checkpoint c = ((TrialResult.Completed) result).checkpoint();
        assertThat(c.note()).startsWith("checkpoint " + uri + " ").contains(why).endsWith(": retrained from scratch");
        assertThat(c.resumedFromEpoch()).isNull();
        assertThat(c.epoch()).isEqualTo(2);
        assertThat(progress).extracting(TrialEvent.Progress::epoch).containsExactly(1, 2);
        // its own checkpoint is good: a from-scratch run of 2 epochs
        assertThat(CheckpointFile.decode(Files.readAllBytes(file(c.uri()))).epoch()).isEqualTo(2);
        // a result the controller accepts: the note within its 4096 characters
        assertThat(RecordChecks.trialEvent("exp", JsonCodec.write(result))).isEqualTo(result);
    }

    static String longUri() {
        String dir = elsewhere.toUri().toString();
        return dir + "x".repeat(2048 - dir.length());
    }

    @Test
    void aCheckpointOfAnotherEpochOrOptimizerTrainsFromScratch() {
        String good = base.checkpoint().uri();
        TrialResult.Completed epoch = (TrialResult.Completed) runner().run(request("exp-epoch", 2, MLP, SMALL, adam(3),
                new Fidelity(1, 4, false, good, 2)), ProgressListener.NONE, () -> false);
        assertThat(epoch.checkpoint()).isEqualTo(new Checkpoint(null, 3, null, "checkpoint " + good
                + " was saved at epoch 1, not at epoch 2: retrained from scratch"));
        TrialResult.Completed sgd = (TrialResult.Completed) runner().run(request("exp-sgd", 2, MLP, SMALL,
                new TrainingSpec(2, 64, 0.05, "sgd", "cosine"), new Fidelity(1, 4, false, good, 1)), ProgressListener.NONE,
                () -> false);
        assertThat(sgd.checkpoint().note()).isEqualTo("checkpoint " + good
                + " holds adam state, but the trial trains with sgd: retrained from scratch");
    }

    /** The checkpoint holds the trained weights, not the pruned ones; the next rung continues from them. */
    @Test
    void aCompressedTrialCheckpointsItsWeightsBeforeTheCompressionStages() throws Exception {
        Candidate pruned = new Candidate(MLP.architecture(), new CompressionSpec(new PruningSpec(PruningMethod.MAGNITUDE,
                0.7, "global", "one-shot"), Quantization.FP32, DistillationSpec.OFF, 1.0, 1, 0.001, null, null));
        TrialResult.Completed rung0 = (TrialResult.Completed) runner().run(request("exp-pruned", 1, pruned, SMALL, adam(1),
                new Fidelity(0, 2, true, null, null)), ProgressListener.NONE, () -> false);
        assertThat(rung0.metrics().nonZeroParams()).isLessThan((long) (0.4 * rung0.metrics().params()));
        CheckpointFile.Contents c = CheckpointFile.decode(Files.readAllBytes(file(rung0.checkpoint().uri())));
        long weights = c.parameters().stream().mapToLong(e -> e.weights().length).sum();
        long nonZero = c.parameters().stream().mapToLong(e -> countNonZero(e.weights())).sum();
        assertThat(weights).isEqualTo(rung0.metrics().params());
        assertThat(nonZero).isGreaterThan((long) (0.99 * weights));
        List<TrialEvent.Progress> progress = new ArrayList<>();
        TrialResult.Completed rung1 = (TrialResult.Completed) runner().run(request("exp-pruned", 2, pruned, SMALL, adam(2),
                new Fidelity(1, 2, true, rung0.checkpoint().uri(), 1)), progress::add, () -> false);
        assertThat(rung1.checkpoint().resumedFromEpoch()).isEqualTo(1);
        assertThat(progress).extracting(TrialEvent.Progress::epoch).containsExactly(2);
    }

    static long countNonZero(float[] values) {
        long n = 0;
        for (float v : values) {
            n += v != 0 ? 1 : 0;
        }
        return n;
    }

    @Test
    void theResumableOptimizersTrainExactlyAsDjlsDo() {
        for (TrainingSpec t : List.of(adam(2), new TrainingSpec(2, 64, 0.05, "sgd", "cosine"))) {
            List<TrialEvent.Progress> djl = new ArrayList<>();
            List<TrialEvent.Progress> ours = new ArrayList<>();
            runner().run(request("exp-djl", 1, MLP, SMALL, t, null), djl::add, () -> false);
            // a fidelity whose schedule spans the request's epochs: the same learning rates, step by step
            runner().run(request("exp-ours", 1, MLP, SMALL, t, new Fidelity(0, 2, false, null, null)), ours::add, () -> false);
            assertThat(ours).extracting(TrialEvent.Progress::loss).containsExactlyElementsOf(
                    djl.stream().map(TrialEvent.Progress::loss).toList());
        }
    }

    static String write(String name, byte[] bytes) throws Exception {
        Path dir = Files.createDirectories(store.resolve("exp").resolve("bad-" + name).resolve("attempt-1"));
        Path file = dir.resolve(ArtifactStore.CHECKPOINT_FILE);
        Files.write(file, bytes);
        return file.toUri().toString();
    }

    static byte[] read(String uri) throws Exception {
        return Files.readAllBytes(file(uri));
    }

    static byte[] slice(byte[] b, int n) {
        return java.util.Arrays.copyOf(b, n);
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new java.util.SplittableRandom(7).nextBytes(b);
        return b;
    }

    static byte[] flip(byte[] b) {
        byte[] copy = b.clone();
        copy[copy.length / 2] ^= 0x10;
        return copy;
    }

    static String otherArchitecture() {
        TrialResult.Completed other = (TrialResult.Completed) runner().run(request("exp-other", 1, OTHER_MLP, SMALL, adam(1),
                new Fidelity(0, 4, true, null, null)), ProgressListener.NONE, () -> false);
        return other.checkpoint().uri();
    }

    static String outside(String good) throws Exception {
        Path copy = elsewhere.resolve(ArtifactStore.CHECKPOINT_FILE);
        Files.copy(file(good), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return copy.toUri().toString();
    }
}
