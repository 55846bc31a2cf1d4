package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Layer dropping, the trained model as teacher, and intermediate-layer distillation, as any client writes them: a
 * candidate file, a trial request from another service, an experiment spec (both validators).
 */
class LayerDistillationSettingsTest {
    private static final String ARCH = "{\"architecture\": {\"family\": \"transformer\", \"layers\": 4, \"width\": 32, "
            + "\"heads\": 4, \"mlpRatio\": 2.0, \"patchSize\": 7, \"norm\": \"pre\", \"pooling\": \"cls\", \"dropout\": 0.0, "
            + "\"head\": {\"denseUnits\": 0, \"dropout\": 0}}";
    private static final String STUDENT = "{\"layerDropping\": \"every-other\", \"fineTuneEpochs\": 2, \"distillation\": "
            + "{\"enabled\": true, \"temperature\": 2, \"alpha\": 0.5, \"teacher\": \"trained\", \"intermediate\": "
            + "{\"hiddenWeight\": 1, \"attentionWeight\": 10, \"layerMap\": [2, 4]}}}";

    private static CompressionSpec candidate(String compression) {
        return JsonCodec.readCandidate((ARCH + ", \"compression\": " + compression + "}").getBytes(StandardCharsets.UTF_8))
                .compression();
    }

    private static List<String> candidateErrors(String compression) {
        try {
            candidate(compression);
            return List.of();
        } catch (InvalidInputException e) {
            return e.errors().stream().map(Object::toString).toList();
        }
    }

    @Test
    void aDistilBertStudentWithTinyBertTermsReadsAndRoundTrips() {
        CompressionSpec c = candidate(STUDENT);
        assertThat(c.layerDropping()).isEqualTo("every-other");
        assertThat(c.needsFineTune()).isTrue();
        assertThat(c.isNone()).isFalse();
        assertThat(c.distillation().fromTrainedModel()).isTrue();
        assertThat(c.distillation().intermediate()).isEqualTo(new IntermediateDistillation(1.0, 10.0, List.of(2, 4)));
        byte[] written = JsonCodec.write(c);
        assertThat(JsonCodec.read(written, CompressionSpec.class)).isEqualTo(c);
        // the weights default to 1 and the map to uniform; "none" is no layer dropping, written as nothing
        CompressionSpec defaults = candidate("{\"layerDropping\": \"none\", \"pruning\": {\"method\": \"heads\", \"ratio\": 0.5}, "
                + "\"distillation\": {\"enabled\": true, \"temperature\": 4, \"alpha\": 0.5, \"teacher\": \"trained\", \"intermediate\": {}}}");
        assertThat(defaults.layerDropping()).isNull();
        assertThat(defaults.distillation().intermediate()).isEqualTo(new IntermediateDistillation(1.0, 1.0, null));
        assertThat(new String(JsonCodec.write(defaults), StandardCharsets.UTF_8)).doesNotContain("layerDropping");
        // records written before these fields existed read as before
        String old = new String(JsonCodec.write(CompressionSpec.NONE), StandardCharsets.UTF_8);
        assertThat(old).doesNotContain("layerDropping").doesNotContain("intermediate");
        assertThat(JsonCodec.read(old.getBytes(StandardCharsets.UTF_8), CompressionSpec.class)).isEqualTo(CompressionSpec.NONE);
    }

    @Test
    void theUniformMapAndAnExplicitOneFitTheModelsOrAreRefusedAtTheirPath() {
        IntermediateDistillation uniform = new IntermediateDistillation(null, null, null);
        assertThat(uniform.teacherLayers(2, 4, "p")).containsExactly(1, 3);
        assertThat(uniform.teacherLayers(3, 4, "p")).containsExactly(0, 1, 3);
        assertThat(uniform.teacherLayers(4, 4, "p")).containsExactly(0, 1, 2, 3);
        assertThatThrownBy(() -> uniform.teacherLayers(3, 2, "p")).hasMessageStartingWith("p.layerMap: the student has 3");
        IntermediateDistillation explicit = new IntermediateDistillation(1.0, 1.0, List.of(1, 4));
        assertThat(explicit.teacherLayers(2, 4, "p")).containsExactly(0, 3);
        assertThatThrownBy(() -> explicit.teacherLayers(3, 4, "p")).hasMessageStartingWith("p.layerMap: names 2 teacher layers");
        assertThatThrownBy(() -> explicit.teacherLayers(2, 3, "p")).hasMessageStartingWith("p.layerMap[1]: teacher layer 4");
    }

    @Test
    void badSettingsInACandidateAreRefusedAtTheirPaths() {
        String on = "\"enabled\": true, \"temperature\": 2, \"alpha\": 0.5, \"teacher\": \"trained\"";
        Map<String, String> bad = Map.ofEntries(
                Map.entry("{\"layerDropping\": \"alternate\", \"fineTuneEpochs\": 1}",
                        "compression.layerDropping: unknown value 'alternate' (known: [every-other, none])"),
                Map.entry("{\"lowRankLayers\": \"conv\"}", "compression.lowRankLayers: unknown value 'conv' (known: [all, dense])"),
                Map.entry("{\"distillation\": {" + on + "}}", "compression.distillation.teacher: \"trained\" teaches the "
                        + "candidate's compressed model while it is fine-tuned, but this candidate is not fine-tuned: it needs "
                        + "pruning, low-rank or layer dropping, and fineTuneEpochs of 1 or more"),
                Map.entry("{\"layerDropping\": \"every-other\", \"fineTuneEpochs\": 0, \"distillation\": {" + on + "}}",
                        "compression.distillation.teacher: \"trained\" teaches the candidate's compressed model while it is "
                        + "fine-tuned, but this candidate is not fine-tuned: it needs pruning, low-rank or layer dropping, and "
                        + "fineTuneEpochs of 1 or more"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {\"enabled\": false, \"temperature\": 1, \"alpha\": 1, "
                        + "\"intermediate\": {}}}",
                        "compression.distillation.intermediate: needs distillation.enabled true"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"hiddenWeight\": -1}}}",
                        "compression.distillation.intermediate.hiddenWeight: must be in [0, 10000] (got -1)"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"attentionWeight\": 1e300}}}",
                        "compression.distillation.intermediate.attentionWeight: must be in [0, 10000] (got 1.0E300)"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"hiddenWeight\": 0, "
                        + "\"attentionWeight\": 0}}}", "compression.distillation.intermediate: hiddenWeight and attentionWeight are both 0: "
                        + "nothing to distil (leave intermediate out)"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"layerMap\": []}}}",
                        "compression.distillation.intermediate.layerMap: must name 1 to 1000 teacher layers, one per student layer (got 0)"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"layerMap\": [2, 0]}}}",
                        "compression.distillation.intermediate.layerMap[1]: must be a teacher layer number from 1 to 1000 (got 0)"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"layerMap\": [2, null]}}}",
                        "compression.distillation.intermediate.layerMap[1]: must be a teacher layer number from 1 to 1000 (got null)"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {\"enabled\": true, \"temperature\": 0.5, \"alpha\": 0.5, "
                        + "\"teacher\": \"trained\"}}", "compression.distillation.temperature: must be in [1, 100] (got 0.5)"),
                Map.entry("{\"layerDropping\": \"every-other\", \"distillation\": {\"enabled\": true, \"temperature\": 2, \"alpha\": 1.5, "
                        + "\"teacher\": \"trained\", \"loss\": \"kl\"}}", "compression.distillation.loss: unknown value 'kl' (known: [hinton, softened])"));
        for (Map.Entry<String, String> e : bad.entrySet()) {
            assertThat(candidateErrors(e.getKey())).as(e.getKey()).contains(e.getValue());
        }
        // values of the wrong JSON type never reach the checks
        for (String wrongType : List.of("{\"layerDropping\": 2}", "{\"layerDropping\": [\"every-other\"]}",
                "{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"layerMap\": [2.5]}}}",
                "{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"layerMap\": \"uniform\"}}}",
                "{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": [1, 2]}}",
                "{\"layerDropping\": \"every-other\", \"distillation\": {" + on + ", \"intermediate\": {\"hiddenWeight\": \"high\"}}}")) {
            assertThatThrownBy(() -> candidate(wrongType)).as(wrongType).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void hugeValuesAreRefusedAtTheirPaths() {
        String on = "\"layerDropping\": \"every-other\", \"distillation\": {\"enabled\": true, \"temperature\": 2, "
                + "\"alpha\": 0.5, \"teacher\": \"trained\", \"intermediate\": ";
        String longMap = java.util.stream.IntStream.rangeClosed(1, 1001).mapToObj(String::valueOf)
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
        assertThat(candidateErrors("{" + on + "{\"layerMap\": [1001]}}}")).containsExactly(
                "compression.distillation.intermediate.layerMap[0]: must be a teacher layer number from 1 to 1000 (got 1001)");
        assertThat(candidateErrors("{" + on + "{\"layerMap\": " + longMap + "}}}")).contains(
                "compression.distillation.intermediate.layerMap: must name 1 to 1000 teacher layers, one per student layer (got 1001)");
        assertThat(candidateErrors("{" + on + "{\"hiddenWeight\": 1e400}}}")).singleElement().asString()
                .startsWith("compression.distillation.intermediate.hiddenWeight");
        for (String notAnInt : List.of("[99999999999]", "[2147483648]", "[1e10]")) {
            assertThatThrownBy(() -> candidate("{" + on + "{\"layerMap\": " + notAnInt + "}}}")).as(notAnInt)
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("layerMap");
        }
    }

    @Test
    void aTrialRequestFromAnotherServiceIsCheckedTheSameWay() {
        TrialRequest request = new TrialRequest(1, "e", "e-t1", 1, new Candidate(JsonCodec.readCandidate((ARCH + "}")
                .getBytes(StandardCharsets.UTF_8)).architecture(), candidate(STUDENT)), new DatasetSpec("fashion-mnist", 100, 50),
                TrainingSpec.defaults(), 7L);
        String json = new String(JsonCodec.write(request), StandardCharsets.UTF_8);
        assertThat(RecordChecks.trialRequest("e-t1", json.getBytes(StandardCharsets.UTF_8))).isEqualTo(request);
        Map<String, String> bad = Map.of(
                json.replace("\"every-other\"", "\"every-third\""), "candidate.compression.layerDropping: unknown value 'every-third'",
                json.replace("\"layerMap\":[2,4]", "\"layerMap\":[-2,4]"), "candidate.compression.distillation.intermediate.layerMap[0]",
                json.replace("\"attentionWeight\":10.0", "\"attentionWeight\":\"NaN\""), "candidate.compression.distillation.intermediate.attentionWeight",
                json.replace("\"layerDropping\":\"every-other\"", "\"layerDropping\":null"), "candidate.compression.distillation.teacher: \"trained\"");
        bad.forEach((record, error) -> assertThatThrownBy(() -> RecordChecks.trialRequest("e-t1", record.getBytes(StandardCharsets.UTF_8)))
                .as(error).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.errors()).extracting(Object::toString).anySatisfy(v -> assertThat(v).startsWith(error))));
    }

    @Test
    void theDistillationExampleSpecIsValidAndBadSpacesAreRefusedByBothValidators() throws Exception {
        String json = CompressionSpecTest.example("transformer-distil.json");
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(json)).isEmpty();
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(json)).isEmpty();
        ExperimentSpec spec = JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8));
        CompressionSpace cs = spec.searchSpace().compression();
        assertThat(cs.distillation(2.0, 0.5).intermediate()).isEqualTo(cs.intermediateDistillation()).isNotNull();
        assertThat(cs.distillation(2.0, 0.5).fromTrainedModel()).isTrue();

        String noDropping = json.replace("\"layerDropping\": \"every-other\",", "");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(noDropping)).containsExactly("searchSpace.compression.teacher");
        String unknown = json.replace("\"every-other\"", "\"every-third\"");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(unknown)).containsExactly("searchSpace.compression.layerDropping");
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(unknown)).contains("searchSpace.compression.layerDropping");
        String zeroLayer = json.replace("\"attentionWeight\": 1.0", "\"attentionWeight\": 1.0, \"layerMap\": [0, 4]");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(zeroLayer)).containsExactly("searchSpace.compression.intermediateDistillation.layerMap[0]");
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(zeroLayer)).isNotEmpty();
        String extra = json.replace("\"attentionWeight\": 1.0", "\"attentionWeight\": 1.0, \"embeddingWeight\": 1");
        assertThat(ExperimentSpecSchemaTest.schemaErrorPaths(extra)).isNotEmpty();
        String offDistillation = json.replace("\"distillation\": [false, true]", "\"distillation\": [false]");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(offDistillation))
                .isEqualTo(Set.of("searchSpace.compression.intermediateDistillation"));
        // a map names one teacher layer per student layer: 2–4 layers halved give students of 1 and 2 layers
        String twoLayerMap = json.replace("\"attentionWeight\": 1.0", "\"attentionWeight\": 1.0, \"layerMap\": [2, 4]");
        InvalidInputException e = (InvalidInputException) org.assertj.core.api.Assertions.catchThrowable(
                () -> JsonCodec.readSpec(twoLayerMap.getBytes(StandardCharsets.UTF_8)));
        assertThat(e.errors()).extracting(Object::toString).containsExactly("searchSpace.compression.intermediateDistillation."
                + "layerMap: names 2 teacher layers, one per student layer, but the students of this space have [1, 2] encoder "
                + "layers (layers 2–4, every other one kept); leave layerMap out for the uniform map, which fits every depth");
        String fits = twoLayerMap.replace("\"layers\": { \"min\": 2, \"max\": 4 }", "\"layers\": { \"min\": 3, \"max\": 4 }");
        assertThat(fits).isNotEqualTo(twoLayerMap);
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(fits)).isEmpty();
        // the teacher the controller trains first must have encoder layers to compare
        String mlpTeacher = json.replace("\"teacher\": \"trained\",", "\"teacherArchitecture\": {\"family\": \"mlp\", "
                + "\"hiddenUnits\": [64]},");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(mlpTeacher)).containsExactly("searchSpace.compression.teacherArchitecture");
        String cnn = CompressionSpecTest.example("joint-compression.json").replace("\"fineTuneEpochs\": 1",
                "\"fineTuneEpochs\": 1, \"layerDropping\": \"every-other\"");
        assertThat(ExperimentSpecSchemaTest.javaErrorPaths(cnn)).containsExactly("searchSpace.compression.layerDropping");
    }
}
