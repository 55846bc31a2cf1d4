package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The published JSON Schema (for clients in other languages) must accept what the controller accepts and
 * reject what it rejects, pointing at the same fields.
 */
class ExperimentSpecSchemaTest {
    static final Validator VALIDATOR = Validator.create(JsonSchema.of(load()),
            new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setOutputFormat(OutputFormat.Basic)
                    .setBaseUri("https://naspipeline.org/schemas/"));

    static JsonObject load() {
        try (InputStream in = ExperimentSpecSchemaTest.class.getResourceAsStream("/schemas/experiment-spec.schema.json")) {
            return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Instance locations of the schema's errors, as dotted paths like the Java validator's. */
    static Set<String> schemaErrorPaths(String json) {
        OutputUnit out = VALIDATOR.validate(new JsonObject(json));
        if (Boolean.TRUE.equals(out.getValid())) {
            return Set.of();
        }
        return out.getErrors().stream()
                .map(OutputUnit::getInstanceLocation)
                .map(loc -> loc.replaceFirst("^#?/?", "").replace('/', '.').replaceAll("\\.(\\d+)", "[$1]"))
                .collect(Collectors.toSet());
    }

    static Set<String> javaErrorPaths(String json) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)));
        return e == null ? Set.of() : e.errors().stream().map(ValidationError::path).collect(Collectors.toSet());
    }

    @Test
    void theExampleSpecIsValidForBothValidators() throws Exception {
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"));
        assertThat(schemaErrorPaths(json)).isEmpty();
        assertThat(javaErrorPaths(json)).isEmpty();
    }

    @Test
    void invalidSpecsAreRejectedByBothAtTheSameFields() {
        String base = """
                {"dataset": {"name": "fashion-mnist"},
                 "searchSpace": {"architecture": {"family": "mlp", "hiddenLayers": {"min": 1, "max": 2}, "hiddenUnits": [HU]}},
                 "budget": {"maxTrials": MT}, "training": {"optimizer": "OPT"}}
                """;
        List<String[]> cases = List.of(
                new String[] {"32", "0", "adam", "budget.maxTrials"},
                new String[] {"0", "5", "adam", "searchSpace.architecture.hiddenUnits[0]"},
                new String[] {"32", "5", "rmsprop", "training.optimizer"});
        for (String[] c : cases) {
            String json = base.replace("HU", c[0]).replace("MT", c[1]).replace("OPT", c[2]);
            assertThat(javaErrorPaths(json)).as("java errors for %s", c[3]).containsExactly(c[3]);
            assertThat(schemaErrorPaths(json)).as("schema errors for %s", c[3]).contains(c[3]);
        }
    }

    @Test
    void objectivesAndParametersAreCheckedByBoth() {
        String ok = """
                {"dataset": {"name": "fashion-mnist"}, "budget": {"maxTrials": 3}, "strategy": {"name": "nsga2"},
                 "searchSpace": {"architecture": {"family": "mlp", "hiddenLayers": {"min": 1, "max": 1}, "hiddenUnits": [8]},
                   "parameters": {"learningRate": {"type": "log-float", "min": 0.0001, "max": 0.01, "steps": 5}}},
                 "objectives": {"objectives": [{"metric": "accuracy"}, {"metric": "latencyMs", "goal": "minimize"}],
                                "scalarization": {"type": "mnasnet", "targets": {"latencyMs": 2.0}},
                                "constraints": [{"metric": "sizeBytes", "max": 1000000}]}}
                """;
        assertThat(schemaErrorPaths(ok)).isEmpty();
        assertThat(javaErrorPaths(ok)).isEmpty();
        String noLimit = ok.replace("\"max\": 1000000", "\"maxx\": 1");
        assertThat(schemaErrorPaths(noLimit)).contains("objectives.constraints[0]");
        assertThat(javaErrorPaths(noLimit)).containsExactlyInAnyOrder("objectives.constraints[0].maxx", "objectives.constraints[0]");
        assertThat(schemaErrorPaths(noLimit)).contains("objectives.constraints[0].maxx");
        String badType = ok.replace("\"log-float\"", "\"gaussian\"");
        assertThat(schemaErrorPaths(badType)).contains("searchSpace.parameters.learningRate.type");
        assertThat(javaErrorPaths(badType)).containsExactly("searchSpace.parameters.learningRate.type");
    }

    @Test
    void aWarmStartNamesAnotherExperimentByItsId() {
        String base = """
                {"id": "second", "dataset": {"name": "fashion-mnist"}, "budget": {"maxTrials": 2},
                 "searchSpace": {"architecture": {"family": "mlp", "hiddenLayers": {"min": 1, "max": 2}, "hiddenUnits": [8, 16]}},
                 "warmStart": WS}
                """;
        assertThat(schemaErrorPaths(base.replace("WS", "{\"fromExperiment\": \"first\"}"))).isEmpty();
        assertThat(javaErrorPaths(base.replace("WS", "{\"fromExperiment\": \"first\"}"))).isEmpty();
        assertThat(JsonCodec.readSpec(base.replace("WS", "{\"fromExperiment\": \"first\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .warmStart()).isEqualTo(new WarmStartSpec("first"));
        for (String bad : List.of("{}", "{\"fromExperiment\": \"no spaces\"}", "{\"fromExperiment\": 7}")) {
            assertThat(schemaErrorPaths(base.replace("WS", bad))).as(bad).anySatisfy(p -> assertThat(p).startsWith("warmStart"));
            assertThat(javaErrorPaths(base.replace("WS", bad))).as(bad).containsExactly("warmStart.fromExperiment");
        }
        assertThat(javaErrorPaths(base.replace("WS", "{}"))).containsExactly("warmStart.fromExperiment");
        // valid for the schema, refused by the spec's own check
        assertThat(javaErrorPaths(base.replace("WS", "{\"fromExperiment\": \"second\"}"))).containsExactly("warmStart.fromExperiment");
        assertThat(new ExperimentSpec(1, "second", null, new DatasetSpec("mnist", null, null), null, null, null, null, null, null, null,
                new WarmStartSpec("no spaces")).validate()).extracting(ValidationError::path).contains("warmStart.fromExperiment");
    }

    @Test
    void missingRequiredPartsAreRejectedByBoth() {
        String json = "{\"dataset\": {\"name\": \"fashion-mnist\"}, \"searchSpace\": {\"architecture\": {\"family\": \"cnn\"}}}";
        assertThat(VALIDATOR.validate(new JsonObject(json)).getValid()).isFalse();
        assertThat(javaErrorPaths(json)).contains("budget", "searchSpace.architecture.stages",
                "searchSpace.architecture.filters", "searchSpace.architecture.kernelSizes");
    }

    @Test
    void theRunTimeCheckUsesThePublishedFilesAndRefusesKeywordsItDoesNotEnforce() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(JsonCodec.SPEC_SCHEMA.schema()).isEqualTo(json.readTree(
                Files.readAllBytes(Path.of("src", "main", "resources", "schemas", "experiment-spec.schema.json"))));
        assertThat(JsonCodec.COMMAND_SCHEMA.schema()).isEqualTo(json.readTree(
                Files.readAllBytes(Path.of("src", "main", "resources", "schemas", "experiment-command.schema.json"))));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SchemaCheck.of(json.readTree(
                "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"array\", \"uniqueItems\": true}}}")))
                .hasMessageContaining("uniqueItems");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SchemaCheck.of(json.readTree("{\"$ref\": \"#/$defs/none\"}")))
                .hasMessageContaining("#/$defs/none");
    }

    /**
     * Every object of the schema is closed: a field it does not list is an error, as the run-time check reports. The
     * open objects besides the strategy's settings are the architecture's and its space's family switches, whose
     * branches are closed.
     */
    @Test
    void everyObjectInTheSchemaIsClosed() {
        List<String> open = new java.util.ArrayList<>();
        openObjects(JsonCodec.SPEC_SCHEMA.schema(), "#", open);
        // the architecture and its space name the family and hand the rest to that family's own closed object
        assertThat(open).containsExactly("#/properties/strategy/properties/settings", "#/$defs/architectureSpace",
                "#/$defs/architecture");
        assertThat(JsonCodec.SPEC_SCHEMA.schema().at("/$defs/architecture/allOf").findValuesAsText("$ref"))
                .containsExactly("#/$defs/cnnArchitecture", "#/$defs/mlpArchitecture", "#/$defs/transformerArchitecture");
        assertThat(JsonCodec.SPEC_SCHEMA.schema().at("/$defs/architectureSpace/allOf").findValuesAsText("$ref"))
                .containsExactly("#/$defs/cnnSpace", "#/$defs/mlpSpace", "#/$defs/transformerSpace");
    }

    private static void openObjects(com.fasterxml.jackson.databind.JsonNode schema, String at, List<String> out) {
        if (schema.path("type").asText().equals("object") && !schema.has("additionalProperties")) {
            out.add(at);
        }
        schema.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                openObjects(e.getValue(), at + "/" + e.getKey(), out);
            } else if (e.getValue().isArray()) {
                for (int i = 0; i < e.getValue().size(); i++) {
                    openObjects(e.getValue().get(i), at + "/" + e.getKey() + "/" + i, out);
                }
            }
        });
    }

    /** The compression-only example with its base model's architecture replaced by {@code architecture}. */
    static String withBaseArchitecture(String architecture) throws java.io.IOException {
        com.fasterxml.jackson.databind.node.ObjectNode spec = (com.fasterxml.jackson.databind.node.ObjectNode) tree(
                Files.readString(Path.of("..", "examples", "compression-only.json")));
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.at("/searchSpace/baseModel")).set("architecture", tree(architecture));
        return spec.toString();
    }

    /**
     * An architecture in a spec is checked by its family's own schema object: a base model's architecture copied from
     * a trial's candidate (written with the other family's field, empty) is valid; the other family's field with
     * values, a field no family has and a family that does not exist are refused at their paths, by both validators.
     */
    @Test
    void anArchitectureIsCheckedAgainstItsFamily() throws Exception {
        String written = new String(JsonCodec.write(new CnnArchitecture(List.of(
                new StageSpec(1, 16, 3, ConvType.PLAIN, false, true, Pooling.MAX)), new HeadSpec(64, 0.0))), StandardCharsets.UTF_8);
        assertThat(written).contains("\"hiddenUnits\":[]");
        assertThat(JsonCodec.readSpec(withBaseArchitecture(written).getBytes(StandardCharsets.UTF_8))
                .searchSpace().baseModel().architecture()).isInstanceOf(CnnArchitecture.class);
        assertThat(schemaErrorPaths(withBaseArchitecture(written))).isEmpty();
        String mlp = "{\"family\": \"mlp\", \"stages\": [], \"hiddenUnits\": [64], \"head\": null}";
        assertThat(JsonCodec.readSpec(withBaseArchitecture(mlp).getBytes(StandardCharsets.UTF_8)).searchSpace().baseModel()
                .architecture()).isEqualTo(new MlpArchitecture(List.of(64), null));
        String vit = new String(JsonCodec.write(new TransformerArchitecture(2, 64, 4, 2.0, 7,
                TransformerArchitecture.NormPlacement.POST, TransformerArchitecture.TokenPooling.MEAN, 0.1, new HeadSpec(0, 0.0))),
                StandardCharsets.UTF_8);
        assertThat(vit).startsWith("{\"family\":\"transformer\",\"layers\":2,");
        // read as a transformer: the example's l1-filter is then refused for the base model's family (low-rank applies)
        assertThat(specErrorTexts(withBaseArchitecture(vit))).containsExactly(
                "searchSpace.compression.pruningMethods: l1-filter does not apply to the transformer family (an encoder's "
                        + "widths are fixed); use magnitude");
        assertThat(schemaErrorPaths(withBaseArchitecture(vit))).isEmpty();
        // and head pruning is for the transformer family only
        assertThat(specErrorTexts(withBaseArchitecture(written).replace("\"magnitude\"", "\"heads\""))).containsExactly(
                "searchSpace.compression.pruningMethods: heads prunes attention heads: it applies to the transformer family only");
        String at = "searchSpace.baseModel.architecture";
        java.util.Map<String, List<ValidationError>> bad = new java.util.LinkedHashMap<>();
        bad.put(written.replace("\"hiddenUnits\":[]", "\"hiddenUnits\":[8]"), List.of(new ValidationError(at + ".hiddenUnits",
                "belongs to the mlp family: a cnn architecture has none (an empty list, as the services write it, is accepted)")));
        bad.put(mlp.replace("\"stages\": []", "\"stages\": [" + written.substring(written.indexOf("{\"blocks"), written.indexOf('}') + 1) + "]"),
                List.of(new ValidationError(at + ".stages",
                        "belongs to the cnn family: an mlp architecture has none (an empty list, as the services write it, is accepted)")));
        bad.put(mlp.replace("\"head\"", "\"filters\": [8], \"head\""), List.of(new ValidationError(at + ".filters",
                "unknown field (known: family, stages, hiddenUnits, head)")));
        bad.put(mlp.replace("\"mlp\"", "\"cnm\""), List.of(new ValidationError(at + ".family",
                "must be one of \"cnn\", \"mlp\", \"transformer\" (got \"cnm\"); did you mean \"cnn\"?")));
        bad.put("{\"hiddenUnits\": [64]}", List.of(new ValidationError(at + ".family", "is required")));
        for (var e : bad.entrySet()) {
            String json = withBaseArchitecture(e.getKey());
            InvalidInputException refused = catchThrowableOfType(InvalidInputException.class,
                    () -> JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)));
            assertThat(refused).as(e.getKey()).isNotNull();
            assertThat(refused.errors()).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(schemaErrorPaths(json)).as(e.getKey()).containsAnyOf(e.getValue().get(0).path(), at);
        }
    }

    /** What the controller answers {@code json}: each error as "path: message". */
    static List<String> specErrorTexts(String json) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)));
        return e == null ? List.of() : e.errors().stream().map(ValidationError::toString).toList();
    }

    /** The transformer example with its architecture space's {@code field} set to {@code value} (JSON). */
    static String transformerWith(String field, String value) throws java.io.IOException {
        com.fasterxml.jackson.databind.node.ObjectNode spec = (com.fasterxml.jackson.databind.node.ObjectNode) tree(
                Files.readString(Path.of("..", "examples", "transformer.json")));
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.at("/searchSpace/architecture")).set(field, tree(value));
        return spec.toString();
    }

    /**
     * A transformer space is checked by its own object and semantics: bad values and other families' fields at their
     * paths (both validators), widths that do not divide by a head count, and compression the family does not take.
     */
    @Test
    void aTransformerSpaceIsCheckedAtItsPaths() throws Exception {
        String at = "searchSpace.architecture";
        assertThat(javaErrorPaths(transformerWith("layers", "{\"min\": 1, \"max\": 4}"))).isEmpty();
        java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(transformerWith("norms", "[\"middle\"]"), at + ".norms[0]: must be one of \"pre\", \"post\" (got \"middle\")");
        bad.put(transformerWith("poolings", "[]"), at + ".poolings: must list at least one choice");
        bad.put(transformerWith("patchSizes", "[0]"), at + ".patchSizes[0]: must be in [1, 32] (got 0)");
        bad.put(transformerWith("heads", "[\"4\"]"), at + ".heads[0]: must be an integer (got \"4\")");
        bad.put(transformerWith("layers", "{\"min\": 1, \"max\": 9}"), at + ".layers.max: must be in [1, 8] (got 9)");
        bad.put(transformerWith("filters", "[8]"), at + ".filters: unknown field (known: family, layers, widths, heads, mlpRatios, "
                + "patchSizes, norms, poolings, blockDropout, denseUnits, dropout)");
        for (var e : bad.entrySet()) {
            InvalidInputException refused = catchThrowableOfType(InvalidInputException.class,
                    () -> JsonCodec.readSpec(e.getKey().getBytes(StandardCharsets.UTF_8)));
            assertThat(refused).as(e.getValue()).isNotNull();
            assertThat(refused.errors()).as(e.getValue()).extracting(ValidationError::toString).containsExactly(e.getValue());
            String path = e.getValue().substring(0, e.getValue().indexOf(':'));
            assertThat(schemaErrorPaths(e.getKey())).as(e.getValue()).containsAnyOf(path, path.substring(0, path.lastIndexOf('.')));
        }
        // what only the controller checks: every width divides by every head count; compression the family takes
        assertThat(specErrorTexts(transformerWith("widths", "[32, 50]"))).containsExactly(
                at + ".widths[1]: 50 does not divide by heads[1] = 4: every width must divide by every head count (each head "
                        + "gets width/heads features)");
        String l1 = Files.readString(Path.of("..", "examples", "transformer.json")).replace("\"magnitude\"", "\"l1-filter\"");
        assertThat(specErrorTexts(l1)).containsExactly(
                "searchSpace.compression.pruningMethods: l1-filter does not apply to the transformer family (an encoder's "
                        + "widths are fixed); use magnitude");
    }

    /** For a corpus of bad specs, both validators reject, and the run-time check's paths are among Vert.x's. */
    @Test
    void badSpecsAreRejectedByBothAtTheSamePaths() {
        String ok = StrictReadingTest.SPEC;
        List<String> bad = List.of(
                ok.replace("\"objectives\"", "\"objectivs\""),
                ok.replace("\"steps\": 5", "\"steps\": 5, \"learnigRate\": 1"),
                ok.replace("\"maxTrials\": 3", "\"maxTrials\": \"3\""),
                ok.replace("\"maxTrials\": 3", "\"maxTrials\": 1.7"),
                ok.replace("\"hiddenUnits\": [8]", "\"hiddenUnits\": [8], \"skip\": [1]"),
                ok.replace("\"hiddenUnits\": [8]", "\"hiddenUnits\": 8"),
                ok.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"name\": \"" + "n".repeat(300) + "\""),
                ok.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"strategy\": {\"seed\": 1e30}"),
                ok.replace("\"max\": 1000000", "\"maxx\": 1"),
                ok.replace("\"type\": \"log-float\", \"min\": 0.0001,", "\"type\": \"log-float\","),
                ok.replace("\"architecture\"", "\"baseModel\": {\"artifact\": \"file:///a\", \"architecture\": {\"family\": \"mlp\"}}, \"architecture\""),
                // a family's architecture has that family's fields only; the other family's field is accepted empty
                ok.replace("\"architecture\"", "\"baseModel\": {\"artifact\": \"file:///a\", \"architecture\": {\"family\": \"cnn\", "
                        + "\"stages\": [], \"hiddenUnits\": [8]}}, \"architecture\""),
                ok.replace("\"architecture\"", "\"baseModel\": {\"artifact\": \"file:///a\", \"architecture\": {\"family\": \"mlp\", "
                        + "\"hiddenUnits\": [8], \"filters\": [8]}}, \"architecture\""),
                ok.replace("\"architecture\"", "\"baseModel\": {\"artifact\": \"file:///a\", \"architecture\": {\"family\": \"rnn\", "
                        + "\"hiddenUnits\": [8]}}, \"architecture\""),
                ok.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3, \"parallelism\": 0}"));
        for (String json : bad) {
            Set<String> ours = JsonCodec.SPEC_SCHEMA.check(JsonTrees.withoutNullFields(tree(json))).stream()
                    .map(ValidationError::path).collect(Collectors.toSet());
            assertThat(ours).as(json).isNotEmpty();
            assertThat(javaErrorPaths(json)).as(json).isEqualTo(ours);
            Set<String> theirs = schemaErrorPaths(json).stream().map(p -> p.isEmpty() ? "$" : p).collect(Collectors.toSet());
            for (String p : ours) {
                // Vert.x places a missing or unknown field's error at the object holding it
                String parent = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : "$";
                assertThat(theirs).as("%s in %s", p, json).containsAnyOf(p, parent);
            }
        }
    }

    static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Each record read from outside has exactly the fields its schema object lists, so a field added to a record
     * without the schema (which would then be refused at run time), or the reverse, fails the build.
     */
    @Test
    void everyRecordHasExactlyTheFieldsOfItsSchemaObject() {
        java.util.Map<Class<? extends Record>, String> objects = new java.util.LinkedHashMap<>();
        objects.put(ExperimentSpec.class, "");
        objects.put(DatasetSpec.class, "/properties/dataset");
        objects.put(SearchSpace.class, "/properties/searchSpace");
        objects.put(BaseModelSpec.class, "/properties/searchSpace/properties/baseModel");
        objects.put(StrategySpec.class, "/properties/strategy");
        objects.put(BudgetSpec.class, "/properties/budget");
        objects.put(TrainingSpec.class, "/properties/training");
        objects.put(ObjectivesSpec.class, "/properties/objectives");
        objects.put(Objective.class, "/properties/objectives/properties/objectives/items");
        objects.put(ObjectivesSpec.Scalarization.class, "/properties/objectives/properties/scalarization");
        objects.put(ObjectivesSpec.Constraint.class, "/properties/objectives/properties/constraints/items");
        objects.put(EarlyStoppingSpec.class, "/properties/earlyStopping");
        objects.put(SchedulerSpec.class, "/properties/scheduler");
        objects.put(WarmStartSpec.class, "/properties/warmStart");
        objects.put(IntRange.class, "/$defs/intRange");
        objects.put(CnnSpace.class, "/$defs/cnnSpace");
        objects.put(MlpSpace.class, "/$defs/mlpSpace");
        objects.put(TransformerSpace.class, "/$defs/transformerSpace");
        objects.put(CompressionSpace.class, "/$defs/compressionSpace");
        objects.put(IntermediateDistillation.class, "/$defs/compressionSpace/properties/intermediateDistillation");
        objects.put(ParameterSpec.class, "/$defs/parameter");
        objects.put(CnnArchitecture.class, "/$defs/cnnArchitecture");
        objects.put(MlpArchitecture.class, "/$defs/mlpArchitecture");
        objects.put(TransformerArchitecture.class, "/$defs/transformerArchitecture");
        objects.put(StageSpec.class, "/$defs/stage");
        objects.put(HeadSpec.class, "/$defs/head");
        objects.forEach((type, pointer) -> assertThat(propertyNames(JsonCodec.SPEC_SCHEMA.schema().at(pointer)))
                .as("%s at #%s", type.getSimpleName(), pointer).isEqualTo(components(type)));
        assertThat(propertyNames(JsonCodec.COMMAND_SCHEMA.schema())).isEqualTo(components(ExperimentCommand.class));
    }

    private static Set<String> propertyNames(com.fasterxml.jackson.databind.JsonNode object) {
        Set<String> names = new java.util.TreeSet<>();
        object.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * The record's components and the fields it writes besides them (methods marked {@code @JsonProperty}, its own
     * or its interfaces': an architecture's {@code family} and its legacy empty field).
     */
    private static Set<String> components(Class<? extends Record> type) {
        Set<String> names = java.util.Arrays.stream(type.getRecordComponents()).map(java.lang.reflect.RecordComponent::getName)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        List<Class<?>> declaring = new java.util.ArrayList<>(List.of(type.getInterfaces()));
        declaring.add(type);
        for (Class<?> c : declaring) {
            for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                com.fasterxml.jackson.annotation.JsonProperty p = m.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                if (p != null && m.getParameterCount() == 0) {
                    names.add(p.value());
                }
            }
        }
        return names;
    }
}
