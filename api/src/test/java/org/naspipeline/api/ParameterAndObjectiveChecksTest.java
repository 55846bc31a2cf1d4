package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checks of a spec's generic parameters and objectives, with their paths, and the MnasNet reward. */
class ParameterAndObjectiveChecksTest {
    @Test
    void parameterObjectiveAndOverrideErrorsCarryPaths() {
        String json = """
                {"dataset": {"name": "fashion-mnist"}, "budget": {"maxTrials": 3},
                 "searchSpace": {"architecture": {"family": "mlp", "hiddenLayers": {"min": 1, "max": 1}, "hiddenUnits": [8]},
                   "parameters": {"optimizer": {"type": "categorical", "choices": ["adam", "rmsprop"]},
                                  "dropRate": {"type": "log-float", "min": 0, "max": 1},
                                  "width": {"type": "int", "min": 1.5, "max": 4}}},
                 "objectives": {"objectives": [{"metric": "accuracy"}, {"metric": "accuracy"}],
                                "scalarization": {"type": "mnasnet"},
                                "constraints": [{"metric": "latencyMs", "max": 5}]}}
                """;
        assertThatThrownBy(() -> JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidInputException.class, ex -> assertThat(ex.errors())
                        .extracting(ValidationError::toString)
                        .containsExactlyInAnyOrder(
                                "searchSpace.parameters.dropRate.min: must be > 0 for log-float (got 0)",
                                "searchSpace.parameters.width: int bounds must be whole numbers (got 1.5, 4.0)",
                                "searchSpace.parameters.optimizer: value rmsprop is not a valid training optimizer "
                                        + "(unknown optimizer 'rmsprop' (known: " + TrainingSpec.OPTIMIZERS + "))",
                                "objectives.objectives[1].metric: 'accuracy' is listed twice",
                                "objectives.scalarization.targets: mnasnet needs at least one target, e.g. {\"latencyMs\": 2.0}"));
        // A structural error (here a constraint without a limit) is reported by the schema check, before these.
        assertThatThrownBy(() -> JsonCodec.readSpec(json.replace("\"max\": 5", "\"maxx\": 5").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidInputException.class, ex -> assertThat(ex.errors())
                        .extracting(ValidationError::toString)
                        .containsExactly("objectives.constraints[0].maxx: unknown field; did you mean \"max\"?",
                                "objectives.constraints[0]: needs at least one of max, min"));
    }

    @Test
    void mnasnetRewardFollowsThePaperFormula() {
        ObjectivesSpec.Scalarization s = new ObjectivesSpec.Scalarization(ObjectivesSpec.Scalarization.Type.MNASNET,
                null, Map.of(Objective.Metric.LATENCY_MS, 2.0), null);
        TrialMetrics m = TrialMetrics.synthetic(0.8, 4.0, 0);
        assertThat(s.score(m)).isEqualTo(0.8 * Math.pow(2.0, -0.07));
        ObjectivesSpec.Scalarization w = new ObjectivesSpec.Scalarization(null,
                Map.of(Objective.Metric.ACCURACY, 1.0, Objective.Metric.LATENCY_MS, 0.1), null, null);
        assertThat(w.score(m)).isCloseTo(0.8 - 0.4, org.assertj.core.data.Offset.offset(1e-12));
    }
}
