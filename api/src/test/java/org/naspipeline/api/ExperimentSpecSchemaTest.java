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
    void missingRequiredPartsAreRejectedByBoth() {
        String json = "{\"dataset\": {\"name\": \"fashion-mnist\"}, \"searchSpace\": {\"architecture\": {\"family\": \"cnn\"}}}";
        assertThat(VALIDATOR.validate(new JsonObject(json)).getValid()).isFalse();
        assertThat(javaErrorPaths(json)).contains("budget", "searchSpace.architecture.stages",
                "searchSpace.architecture.filters", "searchSpace.architecture.kernelSizes");
    }
}
