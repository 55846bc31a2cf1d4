package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.naspipeline.api.JsonCodec;

/** {@code nas trials}' rung column: the rung a row of the API reached and its epochs, or a dash. */
class TrialsRungTest {
    static String rung(String json) {
        return ApiCommands.rung(JsonCodec.readTree(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aRowWithARungShowsItsEpochsAndOneWithoutADash() {
        assertThat(rung("{\"trialId\": \"e-t0001\", \"rung\": 2, \"rungEpochs\": 9}")).isEqualTo("2 (9 ep)");
        assertThat(rung("{\"trialId\": \"e-t0001\", \"rung\": 0, \"rungEpochs\": 1}")).isEqualTo("0 (1 ep)");
        assertThat(rung("{\"trialId\": \"e-t0002\", \"rung\": null, \"rungEpochs\": null}")).isEqualTo("-");
        assertThat(rung("{\"trialId\": \"e-t0003\"}")).as("a controller older than rungs").isEqualTo("-");
        assertThat(rung("{\"trialId\": \"e-t0004\", \"rung\": \"2\"}")).as("not a number").isEqualTo("-");
    }

    @Test
    void aRowWhoseRungsCountExamplesShowsThemInShort() {
        assertThat(rung("{\"rung\": 0, \"rungEpochs\": null, \"rungExamples\": 13500}")).isEqualTo("0 (13.5k ex)");
        assertThat(rung("{\"rung\": 4, \"rungEpochs\": null, \"rungExamples\": 216000}")).isEqualTo("4 (216k ex)");
        assertThat(rung("{\"rung\": 1, \"rungExamples\": 9999}")).isEqualTo("1 (9999 ex)");
        assertThat(rung("{\"rung\": 5, \"rungExamples\": 1250000}")).isEqualTo("5 (1.3M ex)");
        assertThat(rung("{\"rung\": 5, \"rungExamples\": 100000000000}")).isEqualTo("5 (100000M ex)");
        assertThat(rung("{\"rung\": 1, \"rungEpochs\": 3, \"rungExamples\": \"9\"}")).as("not a number: epochs")
                .isEqualTo("1 (3 ep)");
    }
}
