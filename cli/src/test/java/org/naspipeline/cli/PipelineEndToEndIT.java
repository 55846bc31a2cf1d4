package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.naspipeline.api.BudgetSpec;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.IntRange;
import org.naspipeline.api.IntermediateDistillation;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerSpace;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;

/**
 * A whole experiment through a real broker: the controller schedules trials on Kafka, two workers in one
 * consumer group train real DJL models on the bundled subset, and results flow back until completion. The
 * compression experiments run twice: with models saved as files, and in an S3 bucket (an in-process s3proxy).
 */
@ExtendWith(KafkaExtension.class)
class PipelineEndToEndIT {
    static final Path DATA = Path.of("..", "datasets", "fashion-mnist-mini");

    @TempDir
    Path work;

    @Test
    void anExperimentRunsToCompletionWithRealTrainingAndAPoisonTrialGoesToTheDlq(KafkaCluster kafka) throws Exception {
        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        String id = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        ExperimentSpec spec = new ExperimentSpec(1, id, "e2e", new DatasetSpec("fashion-mnist", 1500, 400),
                example.searchSpace(), example.strategy(), new BudgetSpec(3, 2, 2), new TrainingSpec(1, 64, 0.002, "adam"), null);
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        ConsumerGroups.startAtEnd(kafka, LocalPipeline.workerGroup(id), Topics.TRIALS); // not what other tests left
        String poisonKey = "poison-" + id;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(Topics.TRIALS, poisonKey, "{\"trialId\": 42".getBytes(StandardCharsets.UTF_8))).get();
        }

        List<ExperimentEvent> events;
        try (LocalPipeline pipeline = new LocalPipeline(kafka.bootstrapServers(), 2, work, DATA.toAbsolutePath(), id)) {
            pipeline.submit(spec);
            events = new ExperimentWatcher(kafka.bootstrapServers()).follow(id, Duration.ofMinutes(5), e -> {});
        }

        DemoSummary summary = DemoSummary.from(id, "random", DATA.toString(), 0, events);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(summary.trials()).extracting(DemoSummary.TrialRow::trialId)
                .containsExactly(id + "-t0001", id + "-t0002", id + "-t0003");
        assertThat(summary.trials()).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.accuracy()).isGreaterThan(0.5);
            assertThat(t.latencyMsP50()).isPositive();
            assertThat(t.sizeBytes()).isGreaterThan(4 * t.params());
        });
        assertThat(summary.trials()).extracting(t -> t.candidate()).doesNotHaveDuplicates();
        double bestAccuracy = summary.trials().stream().mapToDouble(DemoSummary.TrialRow::accuracy).max().orElseThrow();
        assertThat(summary.best().accuracy()).isEqualTo(bestAccuracy);
        ExperimentEvent last = events.get(events.size() - 1);
        assertThat(last).isInstanceOfSatisfying(ExperimentEvent.Completed.class, c -> {
            assertThat(c.completedTrials()).isEqualTo(3);
            assertThat(c.bestAccuracy()).isEqualTo(bestAccuracy);
        });
        assertThat(Files.list(work.resolve("artifacts").resolve(id)).count()).isEqualTo(3);

        // the reader stops at the first problem: the number where a string belongs, or the missing end
        assertThat(dlqReasonFor(kafka, poisonKey)).matches("(trialId: must be a string|\\$: not valid JSON.*)");
    }

    /**
     * A joint search over a transformer space × compression through the broker: every trial trains a real vision
     * transformer, drops every other encoder layer, prunes half the remaining heads by importance, is fine-tuned against
     * its own trained model with TinyBERT's loss (logits, hidden states, attention), and runs as an fp32 or int8 ONNX
     * graph. Each trains 3 epochs at 1e-3, so that the halved, head-pruned student still learns (after one epoch at 5e-4,
     * a 1-layer student with 1 head scored 0.19). The intermediate terms are light (0.1, 1), as in docs/benchmarks.md.
     */
    @Test
    void aTransformerJointSearchRunsThroughTheBroker(KafkaCluster kafka) throws Exception {
        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "transformer.json")));
        String id = "vit-" + UUID.randomUUID().toString().substring(0, 8);
        TransformerSpace space = new TransformerSpace(new IntRange(1, 2), List.of(32), List.of(2, 4), List.of(2.0), List.of(7),
                List.of(TransformerArchitecture.NormPlacement.PRE, TransformerArchitecture.NormPlacement.POST),
                List.of(TransformerArchitecture.TokenPooling.CLS, TransformerArchitecture.TokenPooling.MEAN), null, null, null);
        CompressionSpace compression = new CompressionSpace(List.of(PruningMethod.HEADS), List.of(0.5),
                List.of(Quantization.FP32, Quantization.INT8_PER_CHANNEL), List.of(true), List.of(2.0), List.of(0.5), null,
                null, null, null, DistillationSpec.TRAINED, null, null, null, null, "every-other",
                new IntermediateDistillation(0.1, 1.0, null));
        ExperimentSpec spec = new ExperimentSpec(1, id, "vit e2e", new DatasetSpec("fashion-mnist", 1500, 400),
                new SearchSpace(space, compression), example.strategy(), new BudgetSpec(4, 2, 2),
                new TrainingSpec(3, 64, 0.001, "adam"), example.objectives());
        assertThat(spec.validate()).isEmpty();
        DemoSummary summary = DemoSummary.from(id, "nsga2", DATA.toString(), 0, runToTheEnd(kafka, spec, DATA.toAbsolutePath()));
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(summary.trials()).hasSize(4).allSatisfy(t -> {
            assertThat(t.status()).as(t.reason()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.candidate().architecture()).isInstanceOf(TransformerArchitecture.class);
            assertThat(t.candidate().compression().pruning().method()).isEqualTo(PruningMethod.HEADS);
            assertThat(t.accuracy()).as("chance is 0.10").isGreaterThan(0.2);
            assertThat(t.macs()).isPositive();
        });
        List<TrialResult.Completed> results = completedResults(kafka, id);
        assertThat(results).hasSize(4).allSatisfy(r -> {
            assertThat(r.attempt()).as("no attempt failed: slots take the engine lock for head importance too").isEqualTo(1);
            TransformerArchitecture a = (TransformerArchitecture) summary.trials().stream()
                    .filter(t -> t.trialId().equals(r.trialId())).findFirst().orElseThrow().candidate().architecture();
            var stages = r.metrics().compression().stages();
            assertThat(stages).extracting(CompressionReport.Stage::stage).startsWith("drop", "prune", "finetune");
            assertThat(stages.get(0).layers()).as("encoder layers dropped").hasSize(a.layers() / 2);
            var prune = stages.get(1);
            assertThat(prune.layers()).hasSize((a.layers() + 1) / 2).allSatisfy(c -> assertThat(c.to())
                    .contains((a.heads() / 2) + "×" + a.headDim() + " heads"));
            assertThat(prune.after().params()).isLessThan(prune.before().params());
            assertThat(stages.get(2).settings()).endsWith("distilled from the trained model (logits, hidden states and attention)");
        });
    }

    /**
     * The example search on token ids ({@code examples/text-tokens.json}: BERT-style encoders × compression) through the
     * broker on the bundled synthetic text set: the dataset name travels from the spec to the workers, which read the
     * padded id sequences, train the table lookup with its padding masks, compress and measure in ONNX Runtime.
     */
    @Test
    void theTokenIdsExampleSearchRunsThroughTheBroker(KafkaCluster kafka) throws Exception {
        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "text-tokens.json")));
        assertThat(example.validate()).isEmpty();
        String id = "text-" + UUID.randomUUID().toString().substring(0, 8);
        ExperimentSpec spec = new ExperimentSpec(1, id, "tokens e2e", example.dataset(), example.searchSpace(), example.strategy(),
                new BudgetSpec(3, 2, 2), new TrainingSpec(2, 32, 0.002, "adam"), example.objectives());
        Path data = Path.of("..", "datasets", "tokens-mini").toAbsolutePath();
        DemoSummary summary = DemoSummary.from(id, "nsga2", data.toString(), 0, runToTheEnd(kafka, spec, data));
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(summary.trials()).hasSize(3).allSatisfy(t -> {
            assertThat(t.status()).as(t.reason()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.candidate().architecture()).isInstanceOf(TransformerArchitecture.class);
            assertThat(t.accuracy()).as("4 classes: chance is 0.25").isGreaterThan(0.5);
            assertThat(t.macs()).isPositive();
        });
    }

    /**
     * Runs {@code spec} on a local pipeline (a controller and 2 workers reading {@code data}) from the end of the trials
     * topic, and returns the experiment's events up to its last one.
     */
    List<ExperimentEvent> runToTheEnd(KafkaCluster kafka, ExperimentSpec spec, Path data) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        ConsumerGroups.startAtEnd(kafka, LocalPipeline.workerGroup(spec.id()), Topics.TRIALS);
        try (LocalPipeline pipeline = new LocalPipeline(kafka.bootstrapServers(), 2, work, data, spec.id())) {
            pipeline.submit(spec);
            return new ExperimentWatcher(kafka.bootstrapServers()).follow(spec.id(), Duration.ofMinutes(5), e -> {});
        }
    }

    /** The completed results of experiment {@code id} on the results topic. */
    static List<TrialResult.Completed> completedResults(KafkaCluster kafka, String id) {
        List<TrialResult.Completed> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(Topics.TRIAL_RESULTS));
            long end = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < end && out.size() < 4) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (id.equals(r.key()) && JsonCodec.read(r.value(), TrialEvent.class) instanceof TrialResult.Completed c) {
                        out.add(c);
                    }
                }
            }
        }
        return out;
    }

    /** The artifact stores both compression experiments run on: files as before, and an S3 bucket. */
    @ParameterizedTest(name = "artifacts: {0}")
    @ValueSource(strings = {"file", "s3"})
    void aCompressionOnlyExperimentCompressesATrainedModelThroughTheBroker(String store, KafkaCluster kafka) throws Exception {
        try (TestArtifacts artifacts = TestArtifacts.of(store, work)) {
            compressionOnly(kafka, artifacts);
        }
    }

    void compressionOnly(KafkaCluster kafka, TestArtifacts artifacts) throws Exception {
        // the trained model to compress: one trial through the same pipeline the workers run
        org.naspipeline.api.Candidate baseCandidate = JsonCodec.readCandidate(
                Files.readAllBytes(Path.of("..", "examples", "candidates", "cnn-small.json")));
        DatasetSpec data = new DatasetSpec("fashion-mnist", 1500, 400);
        TrainingSpec training = new TrainingSpec(1, 64, 0.002, "adam");
        org.naspipeline.worker.pipeline.TrialRunner runner = new org.naspipeline.worker.pipeline.TrialRunner(
                org.naspipeline.worker.data.DatasetResolver.fromEnvironment(), DATA.toAbsolutePath(),
                artifacts.store("base"), "base", ai.djl.Device.cpu(),
                new java.util.concurrent.locks.ReentrantLock(),
                org.naspipeline.worker.cpu.WorkerCpu.open(org.naspipeline.worker.cpu.CpuSettings.defaults(), 1),
                new org.naspipeline.worker.pipeline.TrialRunner.MeasurementSettings(8, 20));
        org.naspipeline.api.TrialResult.Completed base = (org.naspipeline.api.TrialResult.Completed) runner.run(
                new org.naspipeline.api.TrialRequest(1, "base", "base-t0001", 1, baseCandidate, data, training, 1L),
                p -> {}, () -> false);
        runner.close(); // its registration on this host: the workers below register their own
        assertThat(base.artifactUri()).isEqualTo(artifacts.attemptUri("base", "base", "base-t0001", 1));

        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "compression-only.json")));
        org.naspipeline.api.SearchSpace space = new org.naspipeline.api.SearchSpace(null, new org.naspipeline.api.CompressionSpace(
                List.of(org.naspipeline.api.PruningMethod.NONE, org.naspipeline.api.PruningMethod.L1_FILTER), List.of(0.5),
                List.of(org.naspipeline.api.Quantization.INT8_PER_CHANNEL), null, null, null, null, null, null, null, null, null, 1, null, null),
                null, new org.naspipeline.api.BaseModelSpec(base.artifactUri(), baseCandidate.architecture()));
        String id = "cmp-" + UUID.randomUUID().toString().substring(0, 8);
        ExperimentSpec spec = new ExperimentSpec(1, id, "compress", data, space, new org.naspipeline.api.StrategySpec("random", 7L, null), new BudgetSpec(2, 2, 2),
                training, example.objectives());
        List<ExperimentEvent> events = runToCompletion(kafka, spec, artifacts);
        List<ExperimentEvent.TrialFinished> finished = events.stream()
                .filter(ExperimentEvent.TrialFinished.class::isInstance).map(ExperimentEvent.TrialFinished.class::cast).toList();
        Map<String, String> stored = artifactUris(kafka, id, finished);
        for (ExperimentEvent.TrialFinished f : finished) {
            String uri = artifacts.attemptUri("artifacts", id, f.trialId(), 1);
            assertThat(stored.get(f.trialId())).isEqualTo(uri);
            assertThat(artifacts.files(uri)).containsExactly("candidate.json", "metrics.json", "model.int8.onnx", "model.nasm",
                    "model.onnx");
            // measured in ONNX Runtime (the default) on the int8 file, which is the size
            assertThat((long) artifacts.read(uri, "model.int8.onnx").length).isEqualTo(f.metrics().sizeBytes());
            assertThat(f.metrics().inference().model()).isEqualTo("model.int8.onnx");
        }
        assertThat(finished).hasSize(2).allSatisfy(f -> {
            assertThat(f.status()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(f.candidate().architecture()).isEqualTo(baseCandidate.architecture());
            assertThat(f.candidate().compression().baseModel()).isEqualTo(base.artifactUri());
            org.naspipeline.api.TrialMetrics m = f.metrics();
            assertThat(m.trainSeconds()).as("loaded, not trained").isZero();
            assertThat(m.compression().weightFormat()).isEqualTo("i8-channel");
            assertThat((double) m.sizeBytes()).isLessThanOrEqualTo(0.27 * base.metrics().sizeBytes()); // base: its model.onnx
            assertThat(m.compression().stages().get(0).before().testAccuracy()).isEqualTo(base.metrics().testAccuracy());
        });
        assertThat(finished).extracting(f -> f.candidate().compression().pruning().method())
                .containsExactlyInAnyOrder(org.naspipeline.api.PruningMethod.NONE, org.naspipeline.api.PruningMethod.L1_FILTER);
        assertThat(events.get(events.size() - 1)).isInstanceOf(ExperimentEvent.Completed.class);
    }

    @ParameterizedTest(name = "artifacts: {0}")
    @ValueSource(strings = {"file", "s3"})
    void aTeacherTrialIsTrainedFirstAndTheCandidatesAreDistilledFromIt(String store, KafkaCluster kafka) throws Exception {
        try (TestArtifacts artifacts = TestArtifacts.of(store, work)) {
            teacherFirst(kafka, artifacts);
        }
    }

    void teacherFirst(KafkaCluster kafka, TestArtifacts artifacts) throws Exception {
        String id = "kd-" + UUID.randomUUID().toString().substring(0, 8);
        String json = Files.readString(Path.of("..", "examples", "joint-compression.json"))
                .replace("\"maxTrials\": 32", "\"maxTrials\": 2")
                .replace("\"fineTuneEpochs\": 1", "\"fineTuneEpochs\": 1, \"distillation\": [true], "
                        + "\"teacherArchitecture\": {\"family\": \"mlp\", \"hiddenUnits\": [128], \"head\": {\"denseUnits\": 0, \"dropout\": 0.0}}");
        ExperimentSpec example = JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8));
        ExperimentSpec spec = new ExperimentSpec(1, id, "kd", new DatasetSpec("fashion-mnist", 1500, 400), example.searchSpace(),
                example.strategy(), new BudgetSpec(2, 2, 2), new TrainingSpec(1, 64, 0.002, "adam"), example.objectives());
        List<ExperimentEvent> events = runToCompletion(kafka, spec, artifacts);
        List<ExperimentEvent.TrialFinished> finished = events.stream()
                .filter(ExperimentEvent.TrialFinished.class::isInstance).map(ExperimentEvent.TrialFinished.class::cast).toList();
        // The teacher finishes before any candidate starts; the two candidates run in parallel, in either order.
        assertThat(finished).extracting(ExperimentEvent.TrialFinished::trialId)
                .containsExactlyInAnyOrder(id + "-teacher", id + "-t0001", id + "-t0002");
        assertThat(finished.get(0).trialId()).isEqualTo(id + "-teacher");
        int teacherDone = events.indexOf(finished.get(0));
        assertThat(events).filteredOn(ExperimentEvent.TrialScheduled.class::isInstance)
                .map(ExperimentEvent.TrialScheduled.class::cast)
                .filteredOn(sch -> !sch.trialId().endsWith("-teacher"))
                .isNotEmpty().allSatisfy(sch -> assertThat(events.indexOf(sch)).as(sch.trialId() + " scheduled after the teacher")
                        .isGreaterThan(teacherDone));
        assertThat(finished).allSatisfy(f -> assertThat(f.status()).isEqualTo(TrialStatus.COMPLETED));
        Map<String, String> stored = artifactUris(kafka, id, finished);
        String teacher = artifacts.attemptUri("artifacts", id, id + "-teacher", 1);
        assertThat(stored.get(id + "-teacher")).isEqualTo(teacher);
        assertThat(artifacts.files(teacher)).containsExactly("candidate.json", "metrics.json", "model.onnx",
                "model/model-0000.params");
        for (String trial : List.of(id + "-t0001", id + "-t0002")) {
            String uri = artifacts.attemptUri("artifacts", id, trial, 1);
            assertThat(stored.get(trial)).isEqualTo(uri);
            assertThat(artifacts.files(uri)).contains("candidate.json", "metrics.json", "model.onnx");
            org.naspipeline.api.Candidate ran = JsonCodec.readCandidate(artifacts.read(uri, "candidate.json"));
            assertThat(ran.compression().distillation().teacher()).as(trial).isEqualTo(teacher);
        }
        // the joint search's objectives (accuracy, latencyMs, sizeBytes) are of the deployed ONNX file in ONNX Runtime
        assertThat(finished).allSatisfy(f -> {
            org.naspipeline.api.TrialMetrics m = f.metrics();
            String uri = artifacts.attemptUri("artifacts", id, f.trialId(), 1);
            assertThat(m.inference().runtime()).as(f.trialId()).startsWith("onnxruntime ");
            assertThat(m.latencyMsP50()).as(f.trialId()).isPositive();
            assertThat((long) artifacts.read(uri, m.inference().model()).length).as(f.trialId()).isEqualTo(m.sizeBytes());
            boolean int8 = f.candidate().compression().quantization() != org.naspipeline.api.Quantization.FP32;
            assertThat(m.inference().model()).as(f.trialId()).isEqualTo(int8 ? "model.int8.onnx" : "model.onnx");
            assertThat(m.inference().kernels().stream().anyMatch(org.naspipeline.worker.pipeline.TrialRunner::isInt8Kernel))
                    .as(f.trialId() + " ran int8 kernels").isEqualTo(int8);
        });
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                c -> assertThat(c.completedTrials()).isEqualTo(2));
    }

    /**
     * Runs {@code spec} on a local controller and two workers (saving to {@code artifacts}) against the broker until
     * it ends; its events.
     */
    @Test
    void anAshaExperimentContinuesPromotedTrialsFromTheirCheckpointsWithRealTraining(KafkaCluster kafka) throws Exception {
        // rungs at 1 and 3 epochs: 3 trials at rung 1 ⇒ the best continues from its epoch-1 checkpoint to epoch 3
        AshaRun run = runAsha(kafka, "asha-", "{\"type\": \"asha\"}", 3);
        List<ExperimentEvent> events = run.events();
        List<org.naspipeline.api.TrialEvent> reports = run.reports();
        List<ExperimentEvent.TrialScheduled> promotions = run.promotions();
        for (ExperimentEvent.TrialScheduled promoted : promotions) {
            String trial = promoted.trialId();
            List<org.naspipeline.api.TrialEvent.Progress> first = progress(reports, trial, 1);
            List<org.naspipeline.api.TrialEvent.Progress> resumed = progress(reports, trial, promoted.attempt());
            assertThat(first).extracting(org.naspipeline.api.TrialEvent.Progress::epoch).containsExactly(1);
            // the epoch counter continues, and the loss goes on from where epoch 1 left it, not back up to a fresh start
            assertThat(resumed).extracting(org.naspipeline.api.TrialEvent.Progress::epoch).containsExactly(2, 3);
            assertThat(resumed).extracting(org.naspipeline.api.TrialEvent.Progress::epochs).containsOnly(3);
            assertThat(resumed.get(0).loss()).isLessThan(first.get(0).loss());
            org.naspipeline.api.TrialResult.Completed done = completed(reports, trial, promoted.attempt());
            assertThat(done.checkpoint().resumedFromEpoch()).isEqualTo(1);
            assertThat(done.checkpoint().note()).isNull();
            assertThat(done.checkpoint().uri()).as("the top rung saves none").isNull();
            assertThat(done.checkpoint().epoch()).isEqualTo(3);
        }
        List<ExperimentEvent.TrialFinished> finished = events.stream().filter(ExperimentEvent.TrialFinished.class::isInstance)
                .map(ExperimentEvent.TrialFinished.class::cast).toList();
        assertThat(finished).allSatisfy(f -> assertThat(f.status()).isEqualTo(TrialStatus.COMPLETED));
        assertThat(finished).hasSize(4 + promotions.size());
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                c -> assertThat(c.completedTrials()).isEqualTo(4));
    }

    @Test
    void anAshaExperimentOnRungsOfTrainingExamplesContinuesInsideTheEpochWhereTheRungEnded(KafkaCluster kafka) throws Exception {
        // 1,350 training examples (1,500 less the 10% held out) in batches of 64: 22 steps an epoch, the last of 6.
        // Rungs at 675 examples (11 steps: 704 examples, inside epoch 1) and 2,025 (33 steps: 2,054, inside epoch 2)
        AshaRun run = runAsha(kafka, "asha-ex-", "{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": 675, "
                + "\"maxExamples\": 2025}", 2);
        List<ExperimentEvent> events = run.events();
        List<org.naspipeline.api.TrialEvent> reports = run.reports();
        List<ExperimentEvent.TrialScheduled> promotions = run.promotions();
        for (ExperimentEvent.TrialScheduled promoted : promotions) {
            String trial = promoted.trialId();
            List<org.naspipeline.api.TrialEvent.Progress> first = progress(reports, trial, 1);
            List<org.naspipeline.api.TrialEvent.Progress> resumed = progress(reports, trial, promoted.attempt());
            assertThat(first).extracting(org.naspipeline.api.TrialEvent.Progress::epoch).containsExactly(1);
            // the rest of epoch 1, then part of epoch 2; the rest of epoch 1 trains on from where the rung left it
            assertThat(resumed).extracting(org.naspipeline.api.TrialEvent.Progress::epoch).containsExactly(1, 2);
            assertThat(resumed).extracting(org.naspipeline.api.TrialEvent.Progress::epochs).containsOnly(2);
            assertThat(resumed.get(0).loss()).isLessThan(first.get(0).loss());
            org.naspipeline.api.TrialResult.Completed rung0 = completed(reports, trial, 1);
            assertThat(rung0.checkpoint().examples()).isEqualTo(704L);
            assertThat(rung0.checkpoint().uri()).isNotNull();
            org.naspipeline.api.TrialResult.Completed done = completed(reports, trial, promoted.attempt());
            assertThat(done.checkpoint()).isEqualTo(new org.naspipeline.api.Checkpoint(null, 2, null, null, 2054L, 704L));
        }
        List<ExperimentEvent.TrialFinished> finished = events.stream().filter(ExperimentEvent.TrialFinished.class::isInstance)
                .map(ExperimentEvent.TrialFinished.class::cast).toList();
        assertThat(finished).allSatisfy(f -> assertThat(f.status()).isEqualTo(TrialStatus.COMPLETED));
        assertThat(finished).hasSize(4 + promotions.size());
    }

    /** An ASHA experiment's events, and its trials' reports (progress and results). */
    record AshaRun(List<ExperimentEvent> events, List<org.naspipeline.api.TrialEvent> reports) {
        /** The promotions to rung 1; there is at least one. */
        List<ExperimentEvent.TrialScheduled> promotions() {
            List<ExperimentEvent.TrialScheduled> promotions = events.stream().filter(ExperimentEvent.TrialScheduled.class::isInstance)
                    .map(ExperimentEvent.TrialScheduled.class::cast).filter(s -> s.rung() == 1).toList();
            assertThat(promotions).isNotEmpty();
            return promotions;
        }
    }

    /**
     * Runs the demo spec on 1,500 training images with real training for {@code epochs} epochs, under {@code scheduler}
     * (a JSON object), to completion, and waits for the first promotion's result.
     */
    AshaRun runAsha(KafkaCluster kafka, String idPrefix, String scheduler, int epochs) throws Exception {
        String id = idPrefix + UUID.randomUUID().toString().substring(0, 8);
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"))
                .replace("\"trainLimit\": 8000, \"testLimit\": 2000", "\"trainLimit\": 1500, \"testLimit\": 400")
                .replace("\"epochs\": 2", "\"epochs\": " + epochs)
                .replace("\"training\"", "\"scheduler\": " + scheduler + ", \"training\"");
        ExperimentSpec spec = JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)).withId(id);
        try (TestArtifacts artifacts = TestArtifacts.of("file", work);
             TrialEventLog log = new TrialEventLog(kafka, id, e -> {})) {
            List<ExperimentEvent> events = runToCompletion(kafka, spec, artifacts);
            log.await(e -> e instanceof org.naspipeline.api.TrialResult r && r.attempt() == 2, Duration.ofSeconds(30));
            return new AshaRun(events, log.events());
        }
    }

    /** The completed result of one attempt of a trial. */
    static org.naspipeline.api.TrialResult.Completed completed(List<org.naspipeline.api.TrialEvent> reports, String trialId,
                                                               int attempt) {
        return reports.stream().filter(e -> e instanceof org.naspipeline.api.TrialResult.Completed c && c.trialId().equals(trialId)
                        && c.attempt() == attempt).map(org.naspipeline.api.TrialResult.Completed.class::cast).findFirst().orElseThrow();
    }

    /** The progress reports of one attempt of a trial, in order. */
    static List<org.naspipeline.api.TrialEvent.Progress> progress(List<org.naspipeline.api.TrialEvent> reports, String trialId, int attempt) {
        return reports.stream().filter(e -> e instanceof org.naspipeline.api.TrialEvent.Progress p && p.trialId().equals(trialId)
                && p.attempt() == attempt).map(org.naspipeline.api.TrialEvent.Progress.class::cast).toList();
    }

    List<ExperimentEvent> runToCompletion(KafkaCluster kafka, ExperimentSpec spec, TestArtifacts artifacts) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        ConsumerGroups.startAtEnd(kafka, LocalPipeline.workerGroup(spec.id()), Topics.TRIALS); // not what other tests left
        try (LocalPipeline pipeline = new LocalPipeline(kafka.bootstrapServers(), 2, work, DATA.toAbsolutePath(), spec.id(),
                artifacts.uri("artifacts"), artifacts.s3(), org.naspipeline.worker.cpu.CpuSettings.defaults())) {
            pipeline.submit(spec);
            return new ExperimentWatcher(kafka.bootstrapServers()).follow(spec.id(), Duration.ofMinutes(5), e -> {});
        }
    }

    /** The artifact URI each finished trial's completed result reported, by trial id, read from the results topic. */
    static Map<String, String> artifactUris(KafkaCluster kafka, String experimentId, List<ExperimentEvent.TrialFinished> finished)
            throws InterruptedException {
        Map<String, String> uris = new java.util.TreeMap<>();
        try (TrialEventLog log = new TrialEventLog(kafka, experimentId, e -> {})) {
            for (ExperimentEvent.TrialFinished f : finished) {
                TrialEvent done = log.await(e -> e instanceof TrialResult.Completed c && c.trialId().equals(f.trialId()),
                        Duration.ofSeconds(30));
                uris.put(f.trialId(), ((TrialResult.Completed) done).artifactUri());
            }
        }
        return uris;
    }

    static String dlqReasonFor(KafkaCluster kafka, String key) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(Topics.DLQ));
            List<String> reasons = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (reasons.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    if (key.equals(r.key())) {
                        reasons.add(new String(r.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8));
                    }
                }
            }
            assertThat(reasons).as("DLQ record for %s", key).hasSize(1);
            return reasons.get(0);
        }
    }
}
