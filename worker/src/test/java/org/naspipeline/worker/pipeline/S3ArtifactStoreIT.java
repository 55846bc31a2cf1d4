package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.artifact.S3ArtifactStore;
import org.naspipeline.worker.artifact.S3Settings;
import org.naspipeline.worker.artifact.S3TestServer;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;

/**
 * The S3 artifact store against s3proxy (in-process, in-memory, with signature checks): real DJL models trained on
 * the bundled subset are uploaded, read back byte for byte, replaced on redelivery, and loaded again as base models
 * and teachers; the start-up check names the variable to fix; a failed upload is a retriable trial failure.
 */
class S3ArtifactStoreIT {
    static final String BUCKET = "nas-it";
    static final Candidate MLP = new Candidate(new MlpArchitecture(List.of(32), new HeadSpec(0, 0.0)),
            CompressionSpec.NONE);
    static final DatasetSpec DATA = new DatasetSpec("fashion-mnist", 1000, 200);
    static final TrainingSpec TRAINING = new TrainingSpec(1, 64, 0.002, "adam");

    static S3TestServer server;
    static S3ArtifactStore store;
    static TrialRunner runner;
    /** The MLP trained once, stored in the bucket. */
    static TrialResult.Completed base;

    @TempDir
    Path local;

    @BeforeAll
    static void startS3AndTrainTheBaseModel() throws Exception {
        server = S3TestServer.start();
        server.createBucket(BUCKET);
        store = (S3ArtifactStore) ArtifactStores.open("s3://" + BUCKET + "/runs", server.settings());
        runner = runner(store);
        base = (TrialResult.Completed) runner.run(request("exp-base", 1, MLP), ProgressListener.NONE, () -> false);
    }

    @AfterAll
    static void stopS3() throws Exception {
        store.close();
        server.close();
    }

    static TrialRunner runner(ArtifactStore artifacts) {
        return new TrialRunner(DatasetResolver.fromEnvironment(), TrialRunnerIT.DATA, artifacts, "w1", Device.cpu(),
                new ReentrantLock(), TestCpu.shared(), new TrialRunner.MeasurementSettings(8, 20));
    }

    static TrialRequest request(String trialId, int attempt, Candidate candidate) {
        return new TrialRequest(1, "exp", trialId, attempt, candidate, DATA, TRAINING, 42L);
    }

    static Candidate compressed(DistillationSpec distillation, String baseModel) {
        return new Candidate(MLP.architecture(), new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_CHANNEL,
                distillation, 1.0, 0, null, baseModel));
    }

    @Test
    void aTrainedModelIsUploadedUnderItsAttemptAndReportedWithoutATrailingSlash() throws Exception {
        assertThat(base.artifactUri()).isEqualTo("s3://nas-it/runs/exp/exp-base/attempt-1");
        Map<String, Long> objects = server.objects(BUCKET, "runs/exp/exp-base/attempt-1/");
        assertThat(objects).containsOnlyKeys("runs/exp/exp-base/attempt-1/model/model-0000.params",
                "runs/exp/exp-base/attempt-1/model.onnx", "runs/exp/exp-base/attempt-1/candidate.json",
                "runs/exp/exp-base/attempt-1/metrics.json");
        // 784·32 + 32 + 32·10 + 10 fp32 weights, plus DJL's names and shapes, or ONNX's graph
        long weights = 4L * (784 * 32 + 32 + 32 * 10 + 10);
        assertThat(objects.get("runs/exp/exp-base/attempt-1/model/model-0000.params")).isBetween(weights, weights + 1024);
        assertThat(objects.get("runs/exp/exp-base/attempt-1/model.onnx")).isEqualTo(base.metrics().sizeBytes())
                .isBetween(weights, weights + 2048);
        assertThat(JsonCodec.readCandidate(server.read(BUCKET, "runs/exp/exp-base/attempt-1/candidate.json"))).isEqualTo(MLP);
        assertThat(new String(server.read(BUCKET, "runs/exp/exp-base/attempt-1/metrics.json"), StandardCharsets.UTF_8))
                .isEqualTo(JsonCodec.writePretty(base.metrics()));
    }

    @Test
    void anUncompressedModelReadsBackByteIdenticalToTheSameModelSavedAsFiles() throws Exception {
        ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);
        NetworkPlan plan = TrainedModels.load("base", base.artifactUri(), store, builder, Device.cpu()).plan();
        TrialRequest copy = request("exp-copy", 1, MLP);
        try (Model model = model(plan)) {
            ArtifactStore.StoredArtifact inS3 = store.saveModel(copy, model);
            ArtifactStore.StoredArtifact onDisk = new FileArtifactStore(local.resolve("files")).saveModel(copy, model);
            byte[] expected = Files.readAllBytes(Path.of(java.net.URI.create(onDisk.uri())).resolve("model/model-0000.params"));
            assertThat(inS3.sizeBytes()).isEqualTo(onDisk.sizeBytes()).isEqualTo(expected.length);
            assertThat(server.read(BUCKET, "runs/exp/exp-copy/attempt-1/model/model-0000.params")).isEqualTo(expected);
            store.attachMetadata(inS3, copy, base.metrics());
            Path fetched = store.fetch(inS3.uri() + "/", local.resolve("fetched"));
            assertThat(Files.readAllBytes(fetched.resolve("model/model-0000.params"))).isEqualTo(expected);
            assertThat(fetched.resolve("candidate.json")).exists();
        }
    }

    @Test
    void aCheckpointIsSavedBesideTheModelAndAResumeReadsItBackFromTheBucket() throws Exception {
        TrialResult.Completed rung0 = (TrialResult.Completed) runner.run(fidelityRequest(1, 1, new Fidelity(0, 2, true,
                null, null)), ProgressListener.NONE, () -> false);
        String uri = "s3://nas-it/runs/exp/exp-ckpt/attempt-1/checkpoint.nasckpt";
        assertThat(rung0.checkpoint()).isEqualTo(new Checkpoint(uri, 1, null, null));
        byte[] saved = server.read(BUCKET, "runs/exp/exp-ckpt/attempt-1/checkpoint.nasckpt");
        assertThat(CheckpointFile.decode(saved).steps()).isEqualTo((900 + 63) / 64);
        assertThat(store.readFile(uri, Checkpoints.MAX_BYTES)).isEqualTo(saved);

        List<TrialEvent.Progress> progress = new java.util.ArrayList<>();
        TrialResult.Completed rung1 = (TrialResult.Completed) runner.run(fidelityRequest(2, 2, new Fidelity(1, 2, true,
                uri, 1)), progress::add, () -> false);
        assertThat(progress).extracting(TrialEvent.Progress::epoch).containsExactly(2);
        assertThat(rung1.checkpoint()).isEqualTo(new Checkpoint("s3://nas-it/runs/exp/exp-ckpt/attempt-2/checkpoint.nasckpt",
                2, 1, null));
        assertThat(CheckpointFile.decode(server.read(BUCKET, "runs/exp/exp-ckpt/attempt-2/checkpoint.nasckpt")).steps())
                .isEqualTo(2 * ((900 + 63) / 64));

        // a lost object, and one in a bucket or under a prefix that is not this store's: from scratch, with a note
        for (String bad : List.of(uri.replace("attempt-1", "attempt-7"), uri.replace("nas-it", "nas-elsewhere"),
                uri.replace("/runs/", "/other/"))) {
            TrialResult.Completed again = (TrialResult.Completed) runner.run(fidelityRequest(3, 2, new Fidelity(1, 2, false,
                    bad, 1)), ProgressListener.NONE, () -> false);
            assertThat(again.checkpoint().resumedFromEpoch()).isNull();
            assertThat(again.checkpoint().note()).startsWith("checkpoint " + bad + (bad.contains("attempt-7")
                    ? " lost (no such file)" : " cannot be read here")).endsWith(": retrained from scratch");
        }
    }

    static TrialRequest fidelityRequest(int attempt, int epochs, Fidelity fidelity) {
        return new TrialRequest(1, "exp", "exp-ckpt", attempt, MLP, DATA, new TrainingSpec(epochs, 64, 0.002, "adam"), 42L,
                null, fidelity);
    }

    @Test
    void aCompressedModelIsOneModelNasmObjectReadBackByteIdentical() throws Exception {
        byte[] file = new byte[70_001];
        new java.util.SplittableRandom(5).nextBytes(file);
        ArtifactStore.StoredArtifact saved = store.saveCompressed(request("exp-nasm", 1, MLP), file);
        assertThat(saved).isEqualTo(new ArtifactStore.StoredArtifact("s3://nas-it/runs/exp/exp-nasm/attempt-1", 70_001));
        assertThat(server.objects(BUCKET, "runs/exp/exp-nasm/")).containsExactly(
                Map.entry("runs/exp/exp-nasm/attempt-1/model.nasm", 70_001L));
        assertThat(store.readCompressed(saved)).isEqualTo(file);
    }

    @Test
    void aRedeliveredAttemptReplacesWhatItsEarlierRunLeftAndOnlyThat() throws Exception {
        TrialRequest attempt1 = request("exp-redo", 1, MLP);
        store.saveCompressed(request("exp-redo", 10, MLP), new byte[10]); // attempt-10 shares the key prefix "attempt-1"
        NetworkPlan plan = TrainedModels.load("base", base.artifactUri(), store, new ModelBuilder(1, 28, 28, 10), Device.cpu()).plan();
        try (Model model = model(plan)) {
            ArtifactStore.StoredArtifact first = store.saveModel(attempt1, model);
            store.attachMetadata(first, attempt1, base.metrics());
            assertThat(server.objects(BUCKET, "runs/exp/exp-redo/attempt-1/")).hasSize(3);

            ArtifactStore.StoredArtifact again = store.saveCompressed(attempt1, new byte[1234]);
            assertThat(again.sizeBytes()).isEqualTo(1234);
            assertThat(server.objects(BUCKET, "runs/exp/exp-redo/attempt-1/")).containsExactly(
                    Map.entry("runs/exp/exp-redo/attempt-1/model.nasm", 1234L));

            ArtifactStore.StoredArtifact third = store.saveModel(attempt1, model);
            assertThat(third.sizeBytes()).isEqualTo(first.sizeBytes());
            assertThat(server.objects(BUCKET, "runs/exp/exp-redo/attempt-1/")).containsOnlyKeys(
                    "runs/exp/exp-redo/attempt-1/model/model-0000.params");
        }
        assertThat(server.objects(BUCKET, "runs/exp/exp-redo/attempt-10/")).containsExactly(
                Map.entry("runs/exp/exp-redo/attempt-10/model.nasm", 10L));
    }

    @Test
    void aCompressionOnlyTrialLoadsItsBaseModelFromS3AndStoresTheCompressedOne() throws Exception {
        TrialResult result = runner.run(request("exp-q8", 1, compressed(DistillationSpec.OFF, base.artifactUri())),
                ProgressListener.NONE, () -> false);
        assertThat(result).isInstanceOfSatisfying(TrialResult.Completed.class, done -> {
            assertThat(done.artifactUri()).isEqualTo("s3://nas-it/runs/exp/exp-q8/attempt-1");
            assertThat(done.metrics().trainSeconds()).as("loaded, not trained").isZero();
            // the base model's weights arrived intact: the same test accuracy before quantizing
            assertThat(done.metrics().compression().stages().get(0).before().testAccuracy())
                    .isEqualTo(base.metrics().testAccuracy());
            assertThat(server.objects(BUCKET, "runs/exp/exp-q8/attempt-1/")).containsOnlyKeys(
                    "runs/exp/exp-q8/attempt-1/model.nasm", "runs/exp/exp-q8/attempt-1/model.onnx",
                    "runs/exp/exp-q8/attempt-1/model.int8.onnx", "runs/exp/exp-q8/attempt-1/candidate.json",
                    "runs/exp/exp-q8/attempt-1/metrics.json")
                    .containsEntry("runs/exp/exp-q8/attempt-1/model.int8.onnx", done.metrics().sizeBytes());
            assertThat(done.metrics().inference().model()).isEqualTo("model.int8.onnx");
            // a quarter of the fp32 file, plus the int8 graph's scales and zero points, a few KB on this small MLP
            assertThat((double) done.metrics().sizeBytes()).isLessThanOrEqualTo(0.30 * base.metrics().sizeBytes());
        });
    }

    @Test
    void aStudentIsDistilledFromATeacherInS3() {
        Candidate student = new Candidate(new MlpArchitecture(List.of(16), new HeadSpec(0, 0.0)),
                new CompressionSpec(PruningSpec.NONE, Quantization.FP32,
                        new DistillationSpec(true, 4.0, 0.5, "hinton", base.artifactUri() + "/"), 1.0, 0, null, null));
        TrialResult result = runner.run(request("exp-kd", 1, student), ProgressListener.NONE, () -> false);
        assertThat(result).isInstanceOfSatisfying(TrialResult.Completed.class, done -> {
            assertThat(done.metrics().testAccuracy()).isGreaterThan(0.5);
            assertThat(done.artifactUri()).isEqualTo("s3://nas-it/runs/exp/exp-kd/attempt-1");
        });
    }

    @Test
    void aMissingTeacherOrBaseModelIsAPermanentFailureNamingTheSetting() throws Exception {
        ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);
        assertThatThrownBy(() -> TrainedModels.load("compression.baseModel", "s3://nas-it/runs/exp/nope/attempt-1", store,
                builder, Device.cpu())).isInstanceOf(IllegalArgumentException.class).hasMessage("compression.baseModel: "
                + "s3://nas-it/runs/exp/nope/attempt-1 holds no candidate.json (no such trial attempt, or not reachable "
                + "from this worker)");
        assertThatThrownBy(() -> TrainedModels.load("compression.baseModel", "s3://nas-gone/exp/t/attempt-1", store,
                builder, Device.cpu())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("compression.baseModel: the bucket of s3://nas-gone/exp/t/attempt-1 does not exist");
        Candidate noTeacher = compressed(new DistillationSpec(true, 4.0, 0.5, "hinton", "s3://nas-it/runs/exp/nope/attempt-1"), null);
        assertThat(runner.run(request("exp-noteacher", 1, noTeacher), ProgressListener.NONE, () -> false))
                .isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                    assertThat(f.retriable()).isFalse();
                    assertThat(f.reason()).startsWith("compression.distillation.teacher: s3://nas-it/runs/exp/nope/attempt-1 holds no candidate.json");
                });
    }

    @Test
    void theStartUpCheckNamesTheVariableToFix() throws Exception {
        String at = server.endpoint().toString();
        assertThatThrownBy(() -> ArtifactStores.open("s3://nas-missing/runs", server.settings()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NAS_ARTIFACT_URI: bucket 'nas-missing' does not exist at " + at + " (create it, or correct the bucket name)");
        assertThatThrownBy(() -> ArtifactStores.open("s3://nas-it", server.settingsWithSecret("not-the-secret")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NAS_ARTIFACT_URI: access denied to bucket 'nas-it' at " + at + " (check AWS_ACCESS_KEY_ID / "
                        + "AWS_SECRET_ACCESS_KEY or the role; the identity needs s3:ListBucket, s3:GetObject, s3:PutObject "
                        + "and s3:DeleteObject on it)");
        String nobody = "http://127.0.0.1:" + S3TestServer.freePort();
        S3Settings dead = new S3Settings(java.net.URI.create(nobody), "us-east-1", true, server.settings().credentials());
        assertThatThrownBy(() -> ArtifactStores.open("s3://nas-it", dead)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("NAS_S3_ENDPOINT: cannot reach " + nobody + ": connection failed (")
                .hasMessageContaining("refused")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception", "software.amazon", "awssdk"));
    }

    @Test
    void aSaveThatFailsIsARetriableTrialFailureWithTheReason() throws Exception {
        server.createBucket("nas-doomed");
        try (S3ArtifactStore doomed = (S3ArtifactStore) ArtifactStores.open("s3://nas-doomed", server.settings())) {
            server.deleteBucket("nas-doomed"); // after the start-up check passed
            TrialResult result = runner(doomed).run(request("exp-lost", 1, MLP), ProgressListener.NONE, () -> false);
            assertThat(result).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                assertThat(f.retriable()).isTrue();
                assertThat(f.reason()).startsWith("cannot read or save a model artifact: cannot ")
                        .contains("s3://nas-doomed/exp/exp-lost/attempt-1", "HTTP 404 NoSuchBucket")
                        .doesNotContain("Exception", "software.amazon");
            });
        }
        try (S3TestServer other = S3TestServer.start()) {
            other.createBucket("nas-stopped");
            try (S3ArtifactStore unreachable = (S3ArtifactStore) ArtifactStores.open("s3://nas-stopped", other.settings())) {
                other.stop();
                TrialResult result = runner(unreachable).run(request("exp-down", 1, MLP), ProgressListener.NONE, () -> false);
                assertThat(result).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                    assertThat(f.retriable()).isTrue();
                    assertThat(f.reason()).startsWith("cannot read or save a model artifact: cannot ")
                            .contains("s3://nas-stopped/exp/exp-down/attempt-1", "connection failed")
                            .doesNotContain("Exception", "software.amazon");
                });
            }
        }
    }

    private static Model model(NetworkPlan plan) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        Model model = Model.newInstance("copy", Device.cpu());
        model.setBlock(built.block());
        PlanBlocks.initializeAndLoad(built, model.getNDManager());
        return model;
    }
}
