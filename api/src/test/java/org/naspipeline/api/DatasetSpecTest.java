package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.naspipeline.api.ExperimentSpecSchemaTest.javaErrorPaths;
import static org.naspipeline.api.ExperimentSpecSchemaTest.schemaErrorPaths;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Dataset names and settings, as the Java validator and the published schema see them. */
class DatasetSpecTest {
    private static final String SPEC = """
            {"dataset": DATASET,
             "searchSpace": {"architecture": {"family": "transformer", "layers": {"min": 1, "max": 2}, "widths": [32],
               "heads": [2], "mlpRatios": [2.0], "patchSizes": [4], "norms": ["pre"], "poolings": ["mean"],
               "blockDropout": [0.0], "denseUnits": [0], "dropout": [0.0]}},
             "budget": {"maxTrials": 2}}
            """;

    @Test
    void theSchemaEnumListsExactlyTheKnownDatasets() {
        Set<String> names = new TreeSet<>();
        JsonCodec.SPEC_SCHEMA.schema().at("/properties/dataset/properties/name/enum")
                .forEach(n -> names.add(n.asText()));
        assertThat(names).isEqualTo(new TreeSet<>(DatasetSpec.KNOWN)).contains("tokens", "csv");
    }

    @Test
    void tokensIsAcceptedWithItsLabelColumnByBoth() {
        for (String dataset : new String[] {"{\"name\": \"tokens\"}",
                "{\"name\": \"tokens\", \"labelColumn\": \"y\", \"trainLimit\": 100, \"testLimit\": 20}"}) {
            String json = SPEC.replace("DATASET", dataset);
            assertThat(schemaErrorPaths(json)).as(dataset).isEmpty();
            assertThat(javaErrorPaths(json)).as(dataset).isEmpty();
        }
        DatasetSpec read = JsonCodec.readSpec(SPEC.replace("DATASET", "{\"name\": \"tokens\", \"labelColumn\": \"y\"}")
                .getBytes(StandardCharsets.UTF_8)).dataset();
        assertThat(read).isEqualTo(new DatasetSpec("tokens", null, null, 0.1, "y"));
        assertThat(new DatasetSpec("tokens", null, null).labelColumn()).isEqualTo("label");
    }

    @Test
    void anUnknownNameIsRefusedByBothAndTheMessageListsTokens() {
        String json = SPEC.replace("DATASET", "{\"name\": \"token\"}");
        assertThat(schemaErrorPaths(json)).contains("dataset.name");
        assertThat(javaErrorPaths(json)).containsExactly("dataset.name");
        Errors errors = new Errors();
        new DatasetSpec("token", null, null).validate(errors, "dataset");
        assertThat(errors.list()).singleElement().satisfies(e -> assertThat(e.message())
                .isEqualTo("unknown dataset 'token' (known: cifar10, csv, fashion-mnist, mnist, tokens)"));
    }

    @Test
    void theTokenIdsExampleIsValidForBothValidators() throws Exception {
        String json = java.nio.file.Files.readString(java.nio.file.Path.of("..", "examples", "text-tokens.json"));
        assertThat(schemaErrorPaths(json)).isEmpty();
        assertThat(javaErrorPaths(json)).isEmpty();
    }

    /** Token ids need the transformer family, and a single patch size, since none is used; both are named at their paths. */
    @Test
    void aSpaceOnTokenIdsIsATransformerSpaceWithOnePatchSize() throws Exception {
        String cnn = java.nio.file.Files.readString(java.nio.file.Path.of("..", "examples", "fashion-mnist.json"))
                .replaceFirst("\"name\":\\s*\"fashion-mnist\"", "\"name\": \"tokens\"");
        assertThat(cnn).contains("\"tokens\"");
        assertThat(javaErrorPaths(cnn)).containsExactly("searchSpace.architecture.family");
        assertThat(errors(cnn)).contains("searchSpace.architecture.family: cnn cannot read token ids (dataset 'tokens'); the "
                + "transformer family embeds them");
        String twoPatchSizes = SPEC.replace("DATASET", "{\"name\": \"tokens\"}").replace("\"patchSizes\": [4]", "\"patchSizes\": [4, 7]");
        assertThat(errors(twoPatchSizes)).containsExactly("searchSpace.architecture.patchSizes: token ids are not cut into "
                + "patches: give one value, e.g. [1] (got [4, 7])");
        assertThat(javaErrorPaths(twoPatchSizes.replace("\"tokens\"", "\"fashion-mnist\""))).as("images search patch sizes").isEmpty();
    }

    private static java.util.List<String> errors(String json) {
        InvalidInputException e = org.assertj.core.api.Assertions.catchThrowableOfType(InvalidInputException.class,
                () -> JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)));
        return e == null ? java.util.List.of() : e.errors().stream().map(v -> v.path() + ": " + v.message()).toList();
    }
}
