package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonContractTest {

    static final Candidate CANDIDATE = new Candidate(
            new CnnArchitecture(List.of(new StageSpec(1, 16, 3, ConvType.DEPTHWISE_SEPARABLE, true, true, Pooling.MAX)), new HeadSpec(64, 0.2)),
            new CompressionSpec(new PruningSpec(PruningMethod.L1_FILTER, 0.3), Quantization.INT8_PER_CHANNEL,
                    new DistillationSpec(true, 4.0, 0.7), 0.5));

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void exampleSpecParsesValidatesAndRoundTrips() throws Exception {
        byte[] json = Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json"));
        ExperimentSpec spec = JsonCodec.readSpec(json);
        assertThat(spec.budget().maxTrials()).isEqualTo(4);
        assertThat(((CnnSpace) spec.searchSpace().architecture()).filters()).containsExactly(8, 16, 32);
        assertThat(spec.searchSpace().compression()).isEqualTo(CompressionSpace.NONE);
        // 2 stage counts: per stage 1*3*2*2*2*1*2 = 48 choices → 48 + 48² = 2352, × head 2*2 = 9408
        assertThat(spec.searchSpace().cardinality()).isEqualTo(BigInteger.valueOf(9408));
        ExperimentSpec again = JsonCodec.readSpec(JsonCodec.write(spec));
        assertThat(again).isEqualTo(spec);
    }

    @Test
    void everyShippedExampleIsValid() throws Exception {
        try (var files = Files.list(Path.of("..", "examples"))) {
            List<Path> specs = files.filter(f -> f.toString().endsWith(".json")).toList();
            assertThat(specs).hasSizeGreaterThanOrEqualTo(2);
            for (Path f : specs) {
                ExperimentSpec spec = JsonCodec.readSpec(Files.readAllBytes(f));
                assertThat(spec.validate()).as(f.toString()).isEmpty();
            }
        }
    }

    @Test
    void everyEventTypeRoundTripsThroughJson() {
        TrialMetrics metrics = new TrialMetrics(0.81, 0.8, 0.5, 1.2, 1.9, 0.05, 32, 9.5, 11.0, 12345, 12000, 987_654, 50_000, null, 12.5, 800, 4000, 400, 1000, "cpu()", 2);
        List<Object> records = List.of(
                new TrialRequest(1, "e1", "e1-t0001", 1, CANDIDATE, new DatasetSpec("fashion-mnist", 100, 50),
                        TrainingSpec.defaults(), 7L),
                new TrialEvent.Started(1, "e1", "e1-t0001", 1, "w1", 1000L),
                new TrialEvent.Progress(1, "e1", "e1-t0001", 1, 1, 2, 0.7, 0.75, 0.74, 900.0),
                new TrialResult.Completed(1, "e1", "e1-t0001", 1, "w1", metrics, "file:///tmp/a"),
                new TrialResult.Failed(1, "e1", "e1-t0002", 2, "w1", "NaN loss at epoch 1", false),
                new ExperimentEvent.Rejected(1, "e2", List.of(new ValidationError("budget.maxTrials", "is required")), "topic"),
                new ExperimentEvent.TrialFinished(1, "e1", "e1-t0001", CANDIDATE, TrialStatus.COMPLETED, metrics,
                        null, 1, 0, 4, "e1-t0001"),
                new ExperimentEvent.Completed(1, "e1", ExperimentStatus.COMPLETED, 4, 0, "e1-t0001", 0.81, "controller"));
        for (Object record : records) {
            Class<?> type = record instanceof TrialEvent ? TrialEvent.class
                    : record instanceof ExperimentEvent ? ExperimentEvent.class : record.getClass();
            assertThat(JsonCodec.read(JsonCodec.write(record), type)).isEqualTo(record);
        }
        assertThat(new String(JsonCodec.write(records.get(3)), StandardCharsets.UTF_8)).contains("\"type\":\"completed\"");
    }

    @Test
    void candidateHashIsStableAndDistinguishesCandidates() {
        Candidate copy = JsonCodec.readCandidate(JsonCodec.write(CANDIDATE));
        assertThat(copy.canonicalHash()).isEqualTo(CANDIDATE.canonicalHash()).hasSize(16);
        Candidate other = new Candidate(CANDIDATE.architecture(), CompressionSpec.NONE);
        assertThat(other.canonicalHash()).isNotEqualTo(CANDIDATE.canonicalHash());
    }

    @Test
    void missingRequiredFieldsAreReportedWithTheirPaths() {
        String json = """
                {"dataset": {"name": "fashion-mnist"},
                 "searchSpace": {"architecture": {"family": "cnn", "stages": {"min": 2, "max": 1},
                                                  "blocksPerStage": {"min": 1}, "kernelSizes": [3, 4]}},
                 "budget": {}}
                """;
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8(json)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors())
                        .extracting(ValidationError::toString)
                        .containsExactly(
                                "searchSpace.architecture.blocksPerStage.max: is required",
                                "searchSpace.architecture.filters: is required",
                                "budget.maxTrials: is required"));
        // Once the structure is right, the semantic checks report what a schema cannot express.
        String structured = json.replace("{\"min\": 1}", "{\"min\": 1, \"max\": 1}")
                .replace("\"kernelSizes\"", "\"filters\": [8], \"kernelSizes\"").replace("{}", "{\"maxTrials\": 2}");
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8(structured)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors())
                        .extracting(ValidationError::toString)
                        .containsExactly(
                                "searchSpace.architecture.stages.max: must be ≥ min (got 1 < 2)",
                                "searchSpace.architecture.kernelSizes[1]: must be odd so 'same' padding exists (got 4)"));
    }

    @Test
    void wrongTypesAndBadValuesAreReportedWithTheirPaths() {
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8("{\"budget\": {\"maxTrials\": \"many\"}}")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors())
                        .contains(new ValidationError("budget.maxTrials", "must be an integer (got \"many\")")));
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8(
                "{\"searchSpace\": {\"architecture\": {\"family\": \"rnn\"}}}")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors().get(0).path())
                        .isEqualTo("searchSpace.architecture.family"));
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8("{\"dataset\": ")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors().get(0).path())
                        .isEqualTo("$"));
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8("")))
                .hasMessage("$: empty input");
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8("  ")))
                .hasMessage("$: empty input");
    }

    @Test
    void semanticChecksNameTheOffendingField() {
        ExperimentSpec spec = JsonCodec.readSpec(utf8("""
                {"id": "ok-1", "dataset": {"name": "fashion-mnist"},
                 "searchSpace": {"architecture": {"family": "mlp", "hiddenLayers": {"min": 1, "max": 2},
                                                  "hiddenUnits": [32]}},
                 "budget": {"maxTrials": 3}}
                """));
        assertThat(spec.withId("bad id!").validate()).extracting(ValidationError::path).containsExactly("id");
        ExperimentSpec badTraining = new ExperimentSpec(1, "x", null, spec.dataset(), spec.searchSpace(),
                spec.strategy(), new BudgetSpec(3, 0, 1), new TrainingSpec(0, 32, -1.0, "rmsprop"), null);
        assertThat(badTraining.validate()).extracting(ValidationError::toString).containsExactly(
                "budget.parallelism: must be in [1, 10000] (got 0)",
                "training.epochs: must be in [1, 1000] (got 0)",
                "training.learningRate: must be in (0, 10] (got -1.0)",
                "training.optimizer: unknown optimizer 'rmsprop' (known: [sgd, adam])".replace("[sgd, adam]",
                        TrainingSpec.OPTIMIZERS.toString()));
    }

    @Test
    void unknownFieldsOfInternalRecordsAreIgnored() {
        TrialEvent.Started started = new TrialEvent.Started(1, "e", "t", 1, "w", 5L);
        String json = new String(JsonCodec.write(started), StandardCharsets.UTF_8).replace("{", "{\"fromTheFuture\":[1,2],");
        assertThat(JsonCodec.read(utf8(json), TrialEvent.class)).isEqualTo(started);
    }

    @Test
    void resultsOfWorkersOlderThanTheAddedFieldsReadWithNulls() {
        TrialMetrics full = new TrialMetrics(0.81, 0.8, 0.5, 1.2, 1.9, 0.05, 32, 9.5, 11.0, 12345, 12000, 987_654, 50_000,
                null, 12.5, 800, 4000, 400, 1000, "cpu()", 2, null, 1, true,
                List.of(new TrialMetrics.Layer("layers[0]", "conv 3×3, 1→16", List.of(16L, 28L, 28L), 144, 140, 112_896),
                        new TrialMetrics.Layer("layers[1]", "dense 12544→10", List.of(10L), 125_450, 125_450, 125_440)),
                new TrialMetrics.Inference("onnxruntime 1.29.0", "model.int8.onnx", List.of("QLinearConv"),
                        List.of("model.onnx", "model.int8.onnx"), 0.8));
        TrialResult.Completed now = new TrialResult.Completed(1, "e1", "e1-t0001", 1, "w1", full, "file:///tmp/a");
        String json = new String(JsonCodec.write(now), StandardCharsets.UTF_8);
        assertThat(json).contains("\"latencyThreads\":1", "\"latencyExclusive\":true",
                "{\"path\":\"layers[0]\",\"layer\":\"conv 3×3, 1→16\",\"outputShape\":[16,28,28],\"params\":144,"
                        + "\"nonZeroParams\":140,\"macs\":112896}");
        assertThat(JsonCodec.read(utf8(json), TrialEvent.class)).isEqualTo(now);
        assertThat(JsonCodec.readStoredState(utf8(json), TrialEvent.class)).isEqualTo(now);
        int layers = json.indexOf(",\"layers\":[");
        String withoutLayers = (json.substring(0, layers) + json.substring(json.indexOf("}]", layers) + 2))
                .replace(",\"latencyThreads\":1", "").replace(",\"latencyExclusive\":true", "");
        int inference = withoutLayers.indexOf(",\"inference\":{");
        String older = withoutLayers.substring(0, inference) + withoutLayers.substring(withoutLayers.indexOf("}", inference) + 1);
        assertThat(older).doesNotContain("latencyThreads").doesNotContain("latencyExclusive").doesNotContain("layers")
                .doesNotContain("inference");
        TrialResult.Completed read = (TrialResult.Completed) JsonCodec.read(utf8(older), TrialEvent.class);
        assertThat(read.metrics().latencyThreads()).isNull();
        assertThat(read.metrics().latencyExclusive()).isNull();
        assertThat(read.metrics().layers()).isNull();
        assertThat(read.metrics().inference()).isNull();
        assertThat(read.metrics().threads()).isEqualTo(2);
        assertThat(((TrialResult.Completed) JsonCodec.readStoredState(utf8(older), TrialEvent.class)).metrics()
                .latencyThreads()).isNull();
        // an older field is still required, and the new ones keep their types
        assertThatThrownBy(() -> JsonCodec.read(utf8(older.replace(",\"threads\":2", "")), TrialEvent.class))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors().get(0).toString()).contains("threads"));
        assertThatThrownBy(() -> JsonCodec.read(utf8(json.replace("\"latencyThreads\":1", "\"latencyThreads\":\"1\"")),
                TrialEvent.class)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aResultsLayerTableIsCheckedRowByRowAtItsPath() {
        String good = "{\"type\":\"completed\",\"schemaVersion\":1,\"experimentId\":\"e\",\"trialId\":\"t\",\"attempt\":1,"
                + "\"workerId\":\"w\",\"artifactUri\":\"file:///a\",\"metrics\":" + new String(JsonCodec.write(
                        TrialMetrics.synthetic(0.8, 1.0, 100)), StandardCharsets.UTF_8).replace("\"layers\":null", "\"layers\":LAYERS") + "}";
        String row = "{\"path\":\"layers[0]\",\"layer\":\"ReLU\",\"outputShape\":[16,28,28],\"params\":0,\"nonZeroParams\":0,\"macs\":0}";
        TrialResult.Completed read = (TrialResult.Completed) RecordChecks.trialEvent("e", utf8(good.replace("LAYERS", "[" + row + "]")));
        assertThat(read.metrics().layers()).singleElement().satisfies(l -> assertThat(l.outputShape()).containsExactly(16L, 28L, 28L));
        assertThat(RecordChecks.trialEvent("e", utf8(good.replace("LAYERS", "null"))).toString()).contains("layers=null");
        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("[" + row + ",null]", "metrics.layers[1]: is required");
        bad.put("[" + row.replace("\"layer\":\"ReLU\",", "") + "]", "metrics.layers[0].layer: is required");
        bad.put("[" + row.replace("\"path\":\"layers[0]\"", "\"path\":null") + "]", "metrics.layers[0].path: is required");
        bad.put("[" + row.replace("\"macs\":0", "\"macs\":-1") + "]", "metrics.layers[0]: params, nonZeroParams and macs must not be negative");
        bad.put("[" + row.replace("[16,28,28]", "[16,null,-2]") + "]", "metrics.layers[0].outputShape: must be a list of dimensions");
        bad.put("[" + row.replace("[16,28,28]", "[\"16\"]") + "]", "metrics.layers[0].outputShape[0]");
        bad.put("[" + row.replace("\"params\":0", "\"params\":1.5") + "]", "metrics.layers[0].params");
        bad.put("\"conv\"", "metrics.layers");
        bad.put("{}", "metrics.layers");
        bad.put("[[]]", "metrics.layers[0]");
        bad.forEach((layers, error) -> assertThatThrownBy(() -> RecordChecks.trialEvent("e", utf8(good.replace("LAYERS", layers))))
                .as(layers).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(layers).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));
    }

    @Test
    void aResultsInferenceBlockIsCheckedAtItsPathAndItsFilesCannotLeaveTheAttempt() {
        String good = "{\"type\":\"completed\",\"schemaVersion\":1,\"experimentId\":\"e\",\"trialId\":\"t\",\"attempt\":1,"
                + "\"workerId\":\"w\",\"artifactUri\":\"file:///a\",\"metrics\":" + new String(JsonCodec.write(
                        TrialMetrics.synthetic(0.8, 1.0, 100)), StandardCharsets.UTF_8).replace("\"inference\":null", "\"inference\":INFERENCE") + "}";
        String block = "{\"runtime\":\"onnxruntime 1.29.0\",\"model\":\"model.int8.onnx\",\"kernels\":[\"QGemm\",\"QLinearConv\"],"
                + "\"files\":[\"model.onnx\",\"model.int8.onnx\"],\"fp32TestAccuracy\":0.81}";
        TrialResult.Completed read = (TrialResult.Completed) RecordChecks.trialEvent("e", utf8(good.replace("INFERENCE", block)));
        assertThat(read.metrics().inference()).isEqualTo(new TrialMetrics.Inference("onnxruntime 1.29.0", "model.int8.onnx",
                List.of("QGemm", "QLinearConv"), List.of("model.onnx", "model.int8.onnx"), 0.81));
        assertThat(((TrialResult.Completed) RecordChecks.trialEvent("e", utf8(good.replace("INFERENCE",
                "{\"runtime\":\"djl\",\"model\":\"model\",\"kernels\":[],\"files\":[],\"fp32TestAccuracy\":null}")))).metrics().inference()
                .fp32TestAccuracy()).isNull();
        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(block.replace("\"runtime\":\"onnxruntime 1.29.0\",", ""), "metrics.inference.runtime: is required");
        bad.put(block.replace("\"model\":\"model.int8.onnx\"", "\"model\":null"), "metrics.inference.model: is required");
        bad.put(block.replace("\"model\":\"model.int8.onnx\"", "\"model\":\"../../etc/passwd\""), "metrics.inference.model: must be a plain file name");
        bad.put(block.replace("\"model.onnx\",", "\"..\","), "metrics.inference.files[0]: must be a plain file name");
        bad.put(block.replace("\"model.onnx\",", "\"/etc/shadow\","), "metrics.inference.files[0]: must be a plain file name");
        bad.put(block.replace("\"model.onnx\",", "\"a\\\\b\","), "metrics.inference.files[0]: must be a plain file name");
        bad.put(block.replace("\"model.onnx\",", "\"\","), "metrics.inference.files[0]: must be a plain file name");
        bad.put(block.replace("\"model.onnx\",", "\"" + "m".repeat(101) + "\","), "metrics.inference.files[0]: must be a plain file name");
        bad.put(block.replace("\"model.onnx\",", "null,"), "metrics.inference.files[1]: is required".replace("[1]", "[0]"));
        bad.put(block.replace("\"QGemm\",", "null,"), "metrics.inference.kernels[0]: is required");
        bad.put(block.replace("\"kernels\":[\"QGemm\",\"QLinearConv\"],", ""), "metrics.inference.kernels: is required");
        bad.put(block.replace("0.81", "1.5"), "metrics.inference.fp32TestAccuracy: must be in [0, 1]");
        bad.put(block.replace("0.81", "\"NaN\""), "metrics.inference.fp32TestAccuracy");
        bad.put(block.replace("[\"model.onnx\",\"model.int8.onnx\"]", "\"model.onnx\""), "metrics.inference.files");
        bad.put("[]", "metrics.inference");
        bad.put("\"onnxruntime\"", "metrics.inference");
        bad.forEach((inference, error) -> assertThatThrownBy(() -> RecordChecks.trialEvent("e", utf8(good.replace("INFERENCE", inference))))
                .as(inference).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(inference).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));
    }

    @Test
    void aRequestsFidelityAndAResultsCheckpointAreCheckedAtTheirPaths() {
        String request = new String(JsonCodec.write(new TrialRequest(1, "e", "t", 2, CANDIDATE,
                new DatasetSpec("fashion-mnist", null, null), new TrainingSpec(3, 64, 0.001, "adam"), 1L, 0,
                new Fidelity(1, 9, true, "file:///a/t/attempt-1/checkpoint.nasckpt", 1))), StandardCharsets.UTF_8);
        assertThat(RecordChecks.trialRequest("t", utf8(request)).fidelity())
                .isEqualTo(new Fidelity(1, 9, true, "file:///a/t/attempt-1/checkpoint.nasckpt", 1));
        String block = "\"fidelity\":{\"rung\":1,\"scheduleEpochs\":9,\"saveCheckpoint\":true,"
                + "\"resumeFrom\":\"file:///a/t/attempt-1/checkpoint.nasckpt\",\"resumeEpoch\":1}";
        assertThat(request).contains(block);
        // an older controller's request has no fidelity: the whole training from scratch
        assertThat(RecordChecks.trialRequest("t", utf8(request.replace("," + block, ""))).fidelity()).isNull();
        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(block.replace("\"rung\":1", "\"rung\":-1"), "fidelity.rung: must be at least 0");
        bad.put(block.replace("\"scheduleEpochs\":9", "\"scheduleEpochs\":2"), "fidelity.scheduleEpochs: must be in [training.epochs, 1000]");
        bad.put(block.replace("\"scheduleEpochs\":9", "\"scheduleEpochs\":100000"), "fidelity.scheduleEpochs");
        bad.put(block.replace("\"resumeEpoch\":1", "\"resumeEpoch\":3"), "fidelity.resumeEpoch: must be in [1, training.epochs)");
        bad.put(block.replace("\"resumeEpoch\":1", "\"resumeEpoch\":0"), "fidelity.resumeEpoch");
        bad.put(block.replace("\"resumeEpoch\":1", "\"resumeEpoch\":null"), "fidelity.resumeEpoch: must be set exactly when resumeFrom is");
        bad.put(block.replace("\"file:///a/t/attempt-1/checkpoint.nasckpt\"", "\" \""), "fidelity.resumeFrom: must be an artifact URI");
        bad.put(block.replace("\"file:///a/t/attempt-1/checkpoint.nasckpt\"", "\"" + "x".repeat(3000) + "\""), "fidelity.resumeFrom");
        bad.put(block.replace("\"saveCheckpoint\":true", "\"saveCheckpoint\":\"yes\""), "fidelity.saveCheckpoint");
        bad.put(block.replace("\"rung\":1", "\"rung\":1.5"), "fidelity.rung");
        bad.put(block.replace(",\"rung\":1", "").replace("{\"rung\":1,", "{"), "fidelity.rung: is required");
        bad.put("\"fidelity\":[]", "fidelity");
        bad.forEach((f, error) -> assertThatThrownBy(() -> RecordChecks.trialRequest("t", utf8(request.replace(block, f))))
                .as(f).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(f).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));

        String result = new String(JsonCodec.write(new TrialResult.Completed(1, "e", "t", 2, "w", TrialMetrics.synthetic(0.8, 1.0, 100),
                "file:///a", new Checkpoint("file:///a/t/attempt-2/checkpoint.nasckpt", 3, 1, null))), StandardCharsets.UTF_8);
        String ck = "\"checkpoint\":{\"uri\":\"file:///a/t/attempt-2/checkpoint.nasckpt\",\"epoch\":3,\"resumedFromEpoch\":1,\"note\":null}";
        assertThat(result).contains(ck);
        assertThat(((TrialResult.Completed) RecordChecks.trialEvent("e", utf8(result))).checkpoint().resumedFromEpoch()).isEqualTo(1);
        assertThat(((TrialResult.Completed) RecordChecks.trialEvent("e", utf8(result.replace("," + ck, "")))).checkpoint()).isNull();
        bad.clear();
        bad.put(ck.replace("\"epoch\":3", "\"epoch\":0"), "checkpoint.epoch: must be in [1, 1000]");
        bad.put(ck.replace("\"resumedFromEpoch\":1", "\"resumedFromEpoch\":3"), "checkpoint.resumedFromEpoch: must be in [1, epoch)");
        bad.put(ck.replace("\"file:///a/t/attempt-2/checkpoint.nasckpt\"", "\"\""), "checkpoint.uri: must be an artifact URI");
        bad.put(ck.replace("\"note\":null", "\"note\":\"" + "n".repeat(5000) + "\""), "checkpoint.note: must be at most 4096 characters");
        bad.put(ck.replace("\"epoch\":3", "\"epoch\":\"3\""), "checkpoint.epoch");
        bad.put("\"checkpoint\":\"file:///x\"", "checkpoint");
        bad.forEach((c, error) -> assertThatThrownBy(() -> RecordChecks.trialEvent("e", utf8(result.replace(ck, c))))
                .as(c).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(c).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));
    }

    @Test
    void aSchedulerBlockIsCheckedAtItsPaths() throws Exception {
        String example = Files.readString(Path.of("..", "examples", "fashion-mnist.json"));
        java.util.function.Function<String, List<String>> errors = scheduler -> {
            String json = example.replace("\"training\"", "\"scheduler\": " + scheduler + ", \"training\"");
            try {
                return JsonCodec.readSpec(utf8(json)).validate().stream().map(Object::toString).toList();
            } catch (InvalidInputException e) {
                return e.errors().stream().map(Object::toString).toList();
            }
        };
        assertThat(errors.apply("{\"type\": \"asha\", \"maxEpochs\": 9}")).isEmpty();
        assertThat(JsonCodec.readSpec(utf8(example)).scheduler()).isEqualTo(SchedulerSpec.NONE);
        assertThat(errors.apply("{\"type\": \"asha\"}")).isEmpty(); // rungs at 1 and 2 epochs (training.epochs)
        assertThat(errors.apply("{\"type\": \"asha\", \"minEpochs\": 2}")).containsExactly(
                "training.epochs: must exceed scheduler.minEpochs (2) for asha to have two rungs (got 2)");
        assertThat(errors.apply("{\"type\": \"asha\", \"maxEpochs\": 9, \"minEpochs\": 9}")).singleElement().asString()
                .startsWith("scheduler.maxEpochs: must exceed scheduler.minEpochs (9)");
        assertThat(errors.apply("{\"type\": \"hyperband\", \"maxEpochs\": 9, \"brackets\": 3}")).containsExactly(
                "scheduler.brackets: at most 2 with rungs at [1, 3, 9] epochs (got 3)");
        assertThat(errors.apply("{\"type\": \"asha\", \"maxEpochs\": 9, \"reductionFactor\": 1}")).singleElement().asString()
                .startsWith("scheduler.reductionFactor");
        assertThat(errors.apply("{\"type\": \"asha\", \"maxEpochs\": 9, \"reductionFactor\": 1.5}")).singleElement().asString()
                .startsWith("scheduler.reductionFactor");
        assertThat(errors.apply("{\"type\": \"ashaa\"}")).singleElement().asString().startsWith("scheduler.type");
        assertThat(errors.apply("{\"type\": \"asha\", \"maxEpoch\": 9}")).singleElement().asString()
                .startsWith("scheduler.maxEpoch: unknown field; did you mean \"maxEpochs\"?");
        assertThat(errors.apply("\"asha\"")).singleElement().asString().startsWith("scheduler");
        assertThat(errors.apply("{\"type\": \"median\"}, \"earlyStopping\": {\"rule\": \"median\"}")).containsExactly(
                "earlyStopping: give either earlyStopping or scheduler, not both (scheduler.type median with earlyStopping.rule median)");
        String searchedEpochs = example.replace("\"training\"", "\"scheduler\": {\"type\": \"asha\", \"maxEpochs\": 9}, \"training\"")
                .replace("\"dropout\": [0.0, 0.2]\n    }", "\"dropout\": [0.0, 0.2]\n    },\n    \"parameters\": {\"epochs\": {\"type\": \"int\", \"min\": 1, \"max\": 3}}");
        assertThatThrownBy(() -> JsonCodec.readSpec(utf8(searchedEpochs))).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.errors()).extracting(Object::toString).containsExactly(
                        "searchSpace.parameters.epochs: the scheduler asha decides how many epochs each trial trains: remove this parameter"));
    }

    @Test
    void aSchedulerOfTrainingExamplesIsCheckedAtItsPathsAndASpecWithoutOneWritesAsBefore() throws Exception {
        String example = Files.readString(Path.of("..", "examples", "fashion-mnist.json"));
        java.util.function.Function<String, List<String>> errors = scheduler -> {
            String json = example.replace("\"training\"", "\"scheduler\": " + scheduler + ", \"training\"");
            try {
                return JsonCodec.readSpec(utf8(json)).validate().stream().map(Object::toString).toList();
            } catch (InvalidInputException e) {
                return e.errors().stream().map(Object::toString).toList();
            }
        };
        String ok = "{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": 13500, \"maxExamples\": 216000, "
                + "\"reductionFactor\": 2}";
        assertThat(errors.apply(ok)).isEmpty();
        SchedulerSpec s = JsonCodec.readSpec(utf8(example.replace("\"training\"", "\"scheduler\": " + ok + ", \"training\"")))
                .scheduler();
        assertThat(s.rungExamples()).containsExactly(13_500, 27_000, 54_000, 108_000, 216_000);
        assertThat(s.rungEpochs(new TrainingSpec(4, 64, 0.001, "adam"))).isEmpty();
        assertThat(s.bracketCount(new TrainingSpec(4, 64, 0.001, "adam"))).isEqualTo(1);
        // the top rung need not be minExamples·η^k: the ladder stops below it, then takes it
        assertThat(new SchedulerSpec(SchedulerSpec.Type.HYPERBAND, 3, null, null, null, null, SchedulerSpec.Resource.EXAMPLES,
                1000L, 10_000L).rungExamples()).containsExactly(1000, 3000, 9000, 10_000);
        assertThat(new SchedulerSpec(SchedulerSpec.Type.ASHA, 100, null, null, null, null, SchedulerSpec.Resource.EXAMPLES,
                1L, SchedulerSpec.MAX_EXAMPLES).rungExamples()).containsExactly(1, 100, 10_000, 1_000_000, 100_000_000,
                10_000_000_000L, SchedulerSpec.MAX_EXAMPLES);

        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"examples\"}")).containsExactly(
                "scheduler.minExamples: is required with resource examples (the first rung's training examples)",
                "scheduler.maxExamples: is required with resource examples (the top rung's training examples, e.g. epochs × "
                        + "training-set size)");
        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": 5000, \"maxExamples\": 5000}"))
                .containsExactly("scheduler.maxExamples: must exceed scheduler.minExamples (5000) for asha to have two rungs (got 5000)");
        assertThat(errors.apply("{\"type\": \"median\", \"resource\": \"examples\", \"minExamples\": 1, \"maxExamples\": 9}"))
                .singleElement().asString().startsWith("scheduler.resource: examples is a fidelity of asha and hyperband only");
        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": 1, \"maxExamples\": 9, "
                + "\"maxEpochs\": 4}")).containsExactly(
                "scheduler.maxEpochs: is for resource epochs; with examples the top rung is maxExamples");
        assertThat(errors.apply("{\"type\": \"asha\", \"minExamples\": 1000}")).containsExactly(
                "scheduler.minExamples: is for resource examples; with epochs the first rung is minEpochs");
        assertThat(errors.apply("{\"type\": \"hyperband\", \"resource\": \"examples\", \"minExamples\": 1000, "
                + "\"maxExamples\": 9000, \"brackets\": 3}")).containsExactly(
                "scheduler.brackets: at most 2 with rungs at [1000, 3000, 9000] examples (got 3)");
        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": 0, \"maxExamples\": 9}"))
                .singleElement().asString().startsWith("scheduler.minExamples");
        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": 1, "
                + "\"maxExamples\": 100000000001}")).singleElement().asString().startsWith("scheduler.maxExamples");
        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": 1.5, \"maxExamples\": 9}"))
                .singleElement().asString().startsWith("scheduler.minExamples");
        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"examples\", \"minExamples\": \"1000\", "
                + "\"maxExamples\": 9000}")).singleElement().asString().startsWith("scheduler.minExamples");
        assertThat(errors.apply("{\"type\": \"asha\", \"resource\": \"steps\"}")).singleElement().asString()
                .startsWith("scheduler.resource");

        // a spec without the fields writes none of them: what older controllers stored reads and writes the same
        String plain = new String(JsonCodec.write(JsonCodec.readSpec(utf8(example.replace("\"training\"",
                "\"scheduler\": {\"type\": \"asha\"}, \"training\"")))), StandardCharsets.UTF_8);
        assertThat(plain).doesNotContain("resource", "minExamples", "maxExamples");
    }

    @Test
    void aRequestsFidelityOfExamplesAndItsCheckpointAreCheckedAtTheirPaths() {
        Fidelity f = Fidelity.ofExamples(1, 3, true, "file:///a/t/attempt-1/checkpoint.nasckpt", 640L, 1500, 2700);
        String request = new String(JsonCodec.write(new TrialRequest(1, "e", "t", 2, CANDIDATE,
                new DatasetSpec("fashion-mnist", null, null), new TrainingSpec(3, 64, 0.001, "adam"), 1L, 0, f)),
                StandardCharsets.UTF_8);
        assertThat(RecordChecks.trialRequest("t", utf8(request)).fidelity()).isEqualTo(f);
        String block = "\"fidelity\":{\"rung\":1,\"scheduleEpochs\":3,\"saveCheckpoint\":true,"
                + "\"resumeFrom\":\"file:///a/t/attempt-1/checkpoint.nasckpt\",\"resumeEpoch\":null,\"examples\":1500,"
                + "\"scheduleExamples\":2700,\"resumeExamples\":640}";
        assertThat(request).contains(block);
        // a fidelity of epochs writes none of the three
        assertThat(new String(JsonCodec.write(new Fidelity(0, 9, true, null, null)), StandardCharsets.UTF_8))
                .doesNotContain("xamples");
        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(block.replace("\"examples\":1500", "\"examples\":0"), "fidelity.examples");
        bad.put(block.replace("\"scheduleExamples\":2700", "\"scheduleExamples\":1000"), "fidelity.scheduleExamples: must be in [examples");
        bad.put(block.replace(",\"scheduleExamples\":2700", ""), "fidelity.scheduleExamples");
        bad.put(block.replace("\"resumeExamples\":640", "\"resumeExamples\":1500"), "fidelity.resumeExamples: must be in [1, examples)");
        bad.put(block.replace("\"resumeExamples\":640", "\"resumeExamples\":null"), "fidelity.resumeExamples: must be set exactly when resumeFrom is");
        bad.put(block.replace("\"resumeEpoch\":null", "\"resumeEpoch\":1"), "fidelity.resumeEpoch: must be absent when the rung counts examples");
        bad.put(block.replace("\"examples\":1500,", ""), "fidelity.examples: must be set when scheduleExamples or resumeExamples is");
        bad.put(block.replace("\"examples\":1500", "\"examples\":\"1500\""), "fidelity.examples");
        bad.put(block.replace("\"examples\":1500", "\"examples\":1500.5"), "fidelity.examples");
        bad.put(block.replace("\"examples\":1500", "\"examples\":100000000001"), "fidelity.examples");
        bad.put(block.replace("\"examples\":1500", "\"examples\":99999999999999999999999"), "fidelity.examples");
        bad.forEach((x, error) -> assertThatThrownBy(() -> RecordChecks.trialRequest("t", utf8(request.replace(block, x))))
                .as(x).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(x).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));

        String result = new String(JsonCodec.write(new TrialResult.Completed(1, "e", "t", 2, "w", TrialMetrics.synthetic(0.8, 1.0, 100),
                "file:///a", new Checkpoint("file:///a/t/attempt-2/checkpoint.nasckpt", 2, null, null, 1540L, 640L))),
                StandardCharsets.UTF_8);
        String ck = "\"checkpoint\":{\"uri\":\"file:///a/t/attempt-2/checkpoint.nasckpt\",\"epoch\":2,\"resumedFromEpoch\":null,"
                + "\"note\":null,\"examples\":1540,\"resumedFromExamples\":640}";
        assertThat(result).contains(ck);
        assertThat(((TrialResult.Completed) RecordChecks.trialEvent("e", utf8(result))).checkpoint().examples()).isEqualTo(1540L);
        bad.clear();
        bad.put(ck.replace("\"examples\":1540", "\"examples\":0"), "checkpoint.examples");
        bad.put(ck.replace("\"resumedFromExamples\":640", "\"resumedFromExamples\":1540"), "checkpoint.resumedFromExamples: must be in [1, examples)");
        bad.put(ck.replace("\"examples\":1540,", ""), "checkpoint.resumedFromExamples: must come with examples");
        bad.put(ck.replace("\"examples\":1540", "\"examples\":true"), "checkpoint.examples");
        bad.put(ck.replace("\"examples\":1540", "\"examples\":99999999999999999999999"), "checkpoint.examples");
        bad.put(ck.replace("\"resumedFromExamples\":640", "\"resumedFromExamples\":\"\\u0000\""), "checkpoint.resumedFromExamples");
        bad.forEach((c, error) -> assertThatThrownBy(() -> RecordChecks.trialEvent("e", utf8(result.replace(ck, c))))
                .as(c).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(c).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));
    }

    /**
     * A request's architecture, from a plain producer: read as its family's type, written with the other family's
     * field empty as before (so its canonical hash is the same), and refused at its path when the family is missing
     * or unknown or the other family's field has values.
     */
    @Test
    void aRequestsArchitectureIsReadByItsFamily() {
        String request = new String(JsonCodec.write(new TrialRequest(1, "e", "t", 1, CANDIDATE,
                new DatasetSpec("fashion-mnist", null, null), new TrainingSpec(3, 64, 0.001, "adam"), 1L, 0, null)),
                StandardCharsets.UTF_8);
        String arch = "\"architecture\":{\"family\":\"cnn\",\"stages\":[{\"blocks\":1,\"filters\":16,\"kernelSize\":3,"
                + "\"convType\":\"depthwise-separable\",\"skip\":true,\"batchNorm\":true,\"pooling\":\"max\"}],\"hiddenUnits\":[],"
                + "\"head\":{\"denseUnits\":64,\"dropout\":0.2}}";
        assertThat(request).contains(arch);
        assertThat(RecordChecks.trialRequest("t", utf8(request)).candidate()).isEqualTo(CANDIDATE);
        // an older producer's MLP, and a CNN without the legacy field, read as the same values
        String mlp = "\"architecture\":{\"family\":\"mlp\",\"stages\":[],\"hiddenUnits\":[32,16],\"head\":null}";
        assertThat(RecordChecks.trialRequest("t", utf8(request.replace(arch, mlp))).candidate().architecture())
                .isEqualTo(new MlpArchitecture(List.of(32, 16), null));
        assertThat(RecordChecks.trialRequest("t", utf8(request.replace(",\"hiddenUnits\":[]", ""))).candidate())
                .isEqualTo(CANDIDATE);
        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(arch.replace("\"hiddenUnits\":[]", "\"hiddenUnits\":[8]"),
                "candidate.architecture: hiddenUnits belongs to the mlp family; an architecture of this family has none");
        bad.put(mlp.replace("\"stages\":[]", "\"stages\":" + arch.substring(arch.indexOf('['), arch.indexOf(']') + 1)),
                "candidate.architecture: stages belongs to the cnn family; an architecture of this family has none");
        bad.put(arch.replace("\"family\":\"cnn\",", ""), "candidate.architecture.family: is required (one of \"cnn\", \"mlp\", \"transformer\")");
        bad.put(arch.replace("\"family\":\"cnn\"", "\"family\":null"), "candidate.architecture.family: is required (one of \"cnn\", \"mlp\", \"transformer\")");
        bad.put(arch.replace("\"family\":\"cnn\"", "\"family\":\"rnn\""),
                "candidate.architecture.family: unknown value \"rnn\" (one of \"cnn\", \"mlp\", \"transformer\")");
        bad.put(arch.replace("\"family\":\"cnn\"", "\"family\":7"), "candidate.architecture.family");
        bad.put(arch.replace("\"hiddenUnits\":[]", "\"hiddenUnits\":\"\""), "candidate.architecture.hiddenUnits");
        bad.put(arch.replace(",\"head\":{\"denseUnits\":64,\"dropout\":0.2}", ""), "candidate.architecture.head: is required");
        bad.forEach((a, error) -> assertThatThrownBy(() -> RecordChecks.trialRequest("t", utf8(request.replace(arch, a))))
                .as(a).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(a).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));
    }

    /**
     * A transformer candidate from a plain producer: its own fields only, family first as written, sorted in the
     * canonical JSON (its hash's input), and bad values refused at their paths.
     */
    @Test
    void aTransformerCandidateIsReadAndRefusedAtItsPaths() {
        Candidate vit = new Candidate(new TransformerArchitecture(2, 64, 4, 2.0, 7, TransformerArchitecture.NormPlacement.PRE,
                TransformerArchitecture.TokenPooling.CLS, 0.1, new HeadSpec(0, 0.0)), CompressionSpec.NONE);
        String request = new String(JsonCodec.write(new TrialRequest(1, "e", "t", 1, vit,
                new DatasetSpec("fashion-mnist", null, null), new TrainingSpec(3, 64, 0.001, "adam"), 1L, 0, null)),
                StandardCharsets.UTF_8);
        String arch = "\"architecture\":{\"family\":\"transformer\",\"layers\":2,\"width\":64,\"heads\":4,\"mlpRatio\":2.0,"
                + "\"patchSize\":7,\"norm\":\"pre\",\"pooling\":\"cls\",\"dropout\":0.1,\"head\":{\"denseUnits\":0,\"dropout\":0.0}}";
        assertThat(request).contains(arch);
        assertThat(RecordChecks.trialRequest("t", utf8(request)).candidate()).isEqualTo(vit);
        assertThat(JsonCodec.canonicalJson(vit.architecture())).isEqualTo("{\"dropout\":0.1,\"family\":\"transformer\","
                + "\"head\":{\"denseUnits\":0,\"dropout\":0.0},\"heads\":4,\"layers\":2,\"mlpRatio\":2.0,\"norm\":\"pre\","
                + "\"patchSize\":7,\"pooling\":\"cls\",\"width\":64}");
        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(arch.replace("\"norm\":\"pre\"", "\"norm\":\"middle\""), "candidate.architecture.norm: must be one of \"pre\", \"post\"");
        bad.put(arch.replace("\"pooling\":\"cls\"", "\"pooling\":7"), "candidate.architecture.pooling");
        bad.put(arch.replace("\"heads\":4", "\"heads\":\"4\""), "candidate.architecture.heads: must be an integer");
        bad.put(arch.replace("\"patchSize\":7,", ""), "candidate.architecture.patchSize: is required");
        bad.put(arch.replace("\"width\":64", "\"width\":1e400"), "candidate.architecture.width");
        bad.put(arch.replace("\"heads\":4", "\"heads\":null"), "candidate.architecture.heads: must be an integer (got null)");
        bad.put(arch.replace("\"layers\":2", "\"layers\":99999999999"), "candidate.architecture.layers");
        bad.put(arch.replace("\"norm\":\"pre\"", "\"norm\":{}"), "candidate.architecture.norm");
        bad.forEach((a, error) -> assertThatThrownBy(() -> RecordChecks.trialRequest("t", utf8(request.replace(arch, a))))
                .as(a).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).as(a).anySatisfy(v -> assertThat(v.toString()).startsWith(error))));
        // a candidate file (nas evaluate, a base model's or teacher's candidate) never truncates a fraction to an integer
        String file = "{" + arch + "}";
        assertThat(JsonCodec.readCandidate(utf8(file)).architecture()).isEqualTo(vit.architecture());
        for (String fraction : java.util.List.of("\"layers\":2.5", "\"layers\":2.0", "\"width\":64.5", "\"heads\":1e1")) {
            String field = fraction.substring(0, fraction.indexOf(':'));
            String original = arch.substring(arch.indexOf(field), arch.indexOf(',', arch.indexOf(field)));
            assertThatThrownBy(() -> JsonCodec.readCandidate(utf8(file.replace(original, fraction)))).as(fraction)
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors()).extracting(Object::toString)
                            .containsExactly("architecture." + field.replace("\"", "") + ": must be an integer"));
        }
    }

    @Test
    void internalEventsMissingAFieldAreRejectedWithThePath() {
        assertThatThrownBy(() -> JsonCodec.read(utf8(
                "{\"type\":\"failed\",\"schemaVersion\":1,\"experimentId\":\"e\",\"trialId\":\"t\",\"attempt\":1,"
                        + "\"workerId\":\"w\",\"retriable\":true}"), TrialEvent.class))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors().get(0)).hasToString("reason: is required"));
    }
}
