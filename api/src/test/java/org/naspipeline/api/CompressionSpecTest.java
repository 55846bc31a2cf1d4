package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Compression settings in specs: validation, the JSON Schema, and compression-only (base model) spaces. */
class CompressionSpecTest {

    static String example(String name) throws Exception {
        return Files.readString(Path.of("..", "examples", name));
    }

    @Test
    void aCandidatesPartialCompressionBlockMeansNoneForWhatItLeavesOut() {
        String arch = "{\"architecture\": {\"family\": \"mlp\", \"hiddenUnits\": [32], \"head\": {\"denseUnits\": 0, \"dropout\": 0}}";
        CompressionSpec q = JsonCodec.readCandidate((arch + ", \"compression\": {\"quantization\": \"int8-per-channel\"}}")
                .getBytes(StandardCharsets.UTF_8)).compression();
        assertThat(q).isEqualTo(new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_CHANNEL, DistillationSpec.OFF, 1.0));
        assertThat(q.needsFineTune()).isFalse();
        for (String partial : List.of("{}", "{\"lowRankRatio\": null}", "{\"pruning\": {\"method\": \"none\"}}", "{\"pruning\": {}}",
                "{\"pruning\": null, \"distillation\": null}")) {
            assertThat(JsonCodec.readCandidate((arch + ", \"compression\": " + partial + "}").getBytes(StandardCharsets.UTF_8))
                    .compression().isNone()).as(partial).isTrue();
        }
        CompressionSpec lowRank = JsonCodec.readCandidate((arch + ", \"compression\": {\"lowRankRatio\": 0.5}}")
                .getBytes(StandardCharsets.UTF_8)).compression();
        assertThat(lowRank.lowRankRatio()).isEqualTo(0.5);
        assertThat(lowRank.pruning()).isEqualTo(PruningSpec.NONE);
        // a method that prunes needs its ratio
        assertThatThrownBy(() -> JsonCodec.readCandidate((arch + ", \"compression\": {\"pruning\": {\"method\": \"magnitude\"}}}")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).extracting(Object::toString)
                                .containsExactly("compression.pruning.ratio: is required for method magnitude"));
        // a trial request from any client: a pruning method without a ratio is refused at its path, not unboxed later
        String json = roundTripRequest(arch, new PruningSpec(PruningMethod.MAGNITUDE, 0.5));
        assertThatThrownBy(() -> RecordChecks.trialRequest("e-t1", json.replace("\"ratio\":0.5", "\"ratio\":null")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).extracting(Object::toString).contains("candidate.compression.pruning.ratio: is required for method magnitude"));
    }

    @Test
    void headPruningTakesACountOfHeadsInsteadOfARatio() {
        String arch = "{\"architecture\": {\"family\": \"transformer\", \"layers\": 2, \"width\": 32, \"heads\": 4, "
                + "\"mlpRatio\": 2.0, \"patchSize\": 7, \"norm\": \"pre\", \"pooling\": \"cls\", \"dropout\": 0.0, "
                + "\"head\": {\"denseUnits\": 0, \"dropout\": 0}}";
        CompressionSpec byCount = JsonCodec.readCandidate((arch + ", \"compression\": {\"pruning\": {\"method\": \"heads\", "
                + "\"count\": 2, \"scope\": \"global\"}, \"fineTuneEpochs\": 1}}").getBytes(StandardCharsets.UTF_8)).compression();
        assertThat(byCount.pruning()).isEqualTo(PruningSpec.headCount(2, "global"));
        assertThat(byCount.pruning().ratio()).isNull();
        // written with its count, read back the same; a ratio config writes no count, so its bytes are as before
        String written = new String(JsonCodec.write(byCount), StandardCharsets.UTF_8);
        assertThat(written).contains("\"count\":2");
        assertThat(JsonCodec.read(written.getBytes(StandardCharsets.UTF_8), CompressionSpec.class)).isEqualTo(byCount);
        assertThat(JsonCodec.canonicalJson(new PruningSpec(PruningMethod.HEADS, 0.5)))
                .isEqualTo("{\"method\":\"heads\",\"ratio\":0.5,\"schedule\":\"one-shot\",\"scope\":\"layer\"}");
        for (var bad : java.util.Map.of(
                "{\"method\": \"heads\", \"count\": 2, \"ratio\": 0.5}", "compression.pruning.count: and ratio are alternatives: give one",
                "{\"method\": \"heads\", \"count\": 0}", "compression.pruning.count: must be at least 1 (got 0)",
                "{\"method\": \"heads\", \"count\": -3}", "compression.pruning.count: must be at least 1 (got -3)",
                "{\"method\": \"magnitude\", \"count\": 2}", "compression.pruning.count: is for method heads only (method magnitude takes a ratio)",
                "{\"method\": \"heads\"}", "compression.pruning.ratio: is required for method heads (or a count of heads)").entrySet()) {
            assertThatThrownBy(() -> JsonCodec.readCandidate((arch + ", \"compression\": {\"pruning\": " + bad.getKey() + "}}")
                    .getBytes(StandardCharsets.UTF_8))).as(bad.getKey()).isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.errors()).extracting(Object::toString).containsExactly(bad.getValue()));
        }
        // null is an absent count: the ratio is then required
        assertThatThrownBy(() -> JsonCodec.readCandidate((arch + ", \"compression\": {\"pruning\": {\"method\": \"heads\", "
                + "\"count\": null}}}").getBytes(StandardCharsets.UTF_8))).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).extracting(Object::toString)
                                .containsExactly("compression.pruning.ratio: is required for method heads (or a count of heads)"));
        // the largest int is a valid count (every layer keeps one head); one more is not an int
        assertThat(JsonCodec.readCandidate((arch + ", \"compression\": {\"pruning\": {\"method\": \"heads\", \"count\": "
                + Integer.MAX_VALUE + "}}}").getBytes(StandardCharsets.UTF_8)).compression().pruning().count()).isEqualTo(Integer.MAX_VALUE);
        for (String notACount : List.of("2.5", "\"two\"", "[2]", "{}", "1e10", "2147483648", "true")) {
            assertThatThrownBy(() -> JsonCodec.readCandidate((arch + ", \"compression\": {\"pruning\": {\"method\": \"heads\", "
                    + "\"count\": " + notACount + "}}}").getBytes(StandardCharsets.UTF_8))).as(notACount)
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("compression.pruning.count");
        }
        // the same checks hold for a trial request from another service
        String json = roundTripRequest(arch, PruningSpec.headCount(1, "layer"));
        assertThatThrownBy(() -> RecordChecks.trialRequest("e-t1", json.replace("\"count\":1", "\"count\":0")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).extracting(Object::toString).contains("candidate.compression.pruning.count: must be at least 1 (got 0)"));
        for (String bad : List.of("\"2\"", "2.0", "null", "99999999999", "[]")) {
            assertThatThrownBy(() -> RecordChecks.trialRequest("e-t1", json.replace("\"count\":1", "\"count\":" + bad)
                    .getBytes(StandardCharsets.UTF_8))).as(bad).isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.errors()).extracting(Object::toString)
                                    .anySatisfy(v -> assertThat(v).startsWith("candidate.compression.pruning.")));
        }
    }

    /**
     * A trial request for the candidate file's architecture ({@code arch} without its closing brace) pruned by
     * {@code pruning}, as another service writes it; checks that the trial-request checks read it back unchanged.
     */
    static String roundTripRequest(String arch, PruningSpec pruning) {
        TrialRequest request = new TrialRequest(1, "e", "e-t1", 1, new Candidate(JsonCodec.readCandidate((arch + "}")
                .getBytes(StandardCharsets.UTF_8)).architecture(), new CompressionSpec(pruning, Quantization.FP32,
                DistillationSpec.OFF, 1.0)), new DatasetSpec("fashion-mnist", 100, 50), TrainingSpec.defaults(), 7L);
        String json = new String(JsonCodec.write(request), StandardCharsets.UTF_8);
        assertThat(RecordChecks.trialRequest("e-t1", json.getBytes(StandardCharsets.UTF_8))).isEqualTo(request);
        return json;
    }

    @Test
    void everyExampleSpecIsValidForBothValidators() throws Exception {
        for (String name : List.of("fashion-mnist.json", "multi-objective.json", "joint-compression.json", "compression-only.json")) {
            String json = example(name);
            assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(json)).as(name).isEmpty();
            assertThat(ExperimentSpecSchemaTest.javaErrorPaths(json)).as(name).isEmpty();
        }
    }

    @Test
    void unknownSettingsAreRejectedByBothAtTheSameFields() throws Exception {
        String json = example("joint-compression.json").replace("\"fineTuneEpochs\": 1",
                "\"fineTuneEpochs\": 1, \"pruningSchedule\": \"cubic\", \"distillationLoss\": \"kl\"");
        Set<String> expected = Set.of("searchSpace.compression.pruningSchedule", "searchSpace.compression.distillationLoss");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(json)).isEqualTo(expected);
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(json)).containsAll(expected);
    }

    @Test
    void distillationNeedsATeacherArtifact() throws Exception {
        String json = example("joint-compression.json").replace("\"fineTuneEpochs\": 1",
                "\"fineTuneEpochs\": 1, \"distillation\": [false, true]");
        InvalidInputException e = (InvalidInputException) org.assertj.core.api.Assertions.catchThrowable(
                () -> JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.path()).isEqualTo("searchSpace.compression.teacher");
            assertThat(err.message()).contains("required when distillation is searched");
        });
        String both = json.replace("\"distillation\": [false, true]", "\"distillation\": [false, true], "
                + "\"teacher\": \"file:///t/\", \"teacherArchitecture\": {\"family\": \"mlp\", \"hiddenUnits\": [64]}");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(both)).containsExactly("searchSpace.compression.teacherArchitecture");
        String trained = json.replace("\"distillation\": [false, true]", "\"distillation\": [false, true], "
                + "\"teacherArchitecture\": {\"family\": \"mlp\", \"hiddenUnits\": [64]}");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(trained)).isEmpty();
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(trained)).isEmpty();
    }

    @Test
    void aBaseModelReplacesTheArchitectureSpace() throws Exception {
        String both = example("compression-only.json").replace("\"baseModel\": {",
                "\"architecture\": {\"family\": \"mlp\", \"hiddenLayers\": {\"min\": 1, \"max\": 1}, \"hiddenUnits\": [8]}, \"baseModel\": {");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(both)).containsExactly("searchSpace.architecture");
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(both)).isNotEmpty();
        String http = example("compression-only.json").replace("\"file:///var/nas", "\"http://models/var/nas");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(http)).containsExactly("searchSpace.baseModel.artifact");
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(http)).contains("searchSpace.baseModel.artifact");
    }

    @Test
    void teachersAndBaseModelsMayLiveInS3() throws Exception {
        String s3Base = example("compression-only.json").replace("\"file:///var/nas/artifacts/", "\"s3://nas-models/runs/");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(s3Base)).isEmpty();
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(s3Base)).isEmpty();
        assertThat(JsonCodec.readSpec(s3Base.getBytes(StandardCharsets.UTF_8)).searchSpace().baseModel().artifact())
                .startsWith("s3://nas-models/runs/fmnist/fmnist-t0003/attempt-1");
        String distilled = example("joint-compression.json").replace("\"fineTuneEpochs\": 1",
                "\"fineTuneEpochs\": 1, \"distillation\": [false, true], \"teacher\": \"s3://nas-models/t/t-t0001/attempt-1\"");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(distilled)).isEmpty();
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(distilled)).isEmpty();
        String gs = distilled.replace("s3://nas-models", "gs://nas-models");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(gs)).containsExactly("searchSpace.compression.teacher");
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(gs)).contains("searchSpace.compression.teacher");
        InvalidInputException e = (InvalidInputException) org.assertj.core.api.Assertions.catchThrowable(
                () -> JsonCodec.readSpec(gs.getBytes(StandardCharsets.UTF_8)));
        assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.message())
                .isEqualTo("must match ^(file:|s3://|trained$) (got \"gs://nas-models/t/t-t0001/attempt-1\")"));
    }
}
