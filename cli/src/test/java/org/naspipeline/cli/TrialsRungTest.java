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
}
