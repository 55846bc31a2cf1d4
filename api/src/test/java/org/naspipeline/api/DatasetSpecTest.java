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
}
