package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SpaceEncodingTest {
    static final SearchSpace SPACE = new SearchSpace(new ArchitectureSpace(ModelFamily.CNN, new IntRange(1, 2),
            new IntRange(1, 2), List.of(8, 16), List.of(3), null, List.of(false, true), null, null, null, null,
            List.of(0, 32), null),
            new CompressionSpace(List.of(PruningMethod.NONE, PruningMethod.MAGNITUDE), List.of(0.3, 0.6),
                    null, List.of(false, true), List.of(2.0), List.of(0.5, 0.9), null),
            new TreeMap<>(Map.of("learningRate", new ParameterSpec(ParameterSpec.Type.LOG_FLOAT, null, 1e-4, 1e-2, 3),
                    "optimizer", new ParameterSpec(ParameterSpec.Type.CATEGORICAL, List.of("adam", "sgd"), null, null, null))));

    @Test
    void enumeratingAllCanonicalVectorsGivesExactlyTheCardinalityDistinctCandidates() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        // arch: per stage 2 blocks × 2 filters × 2 skip = 8 → 8 + 64 = 72, × head 2 = 144
        // compression: pruning 1 + 2 = 3, distillation 1 + 2 = 3 → 9; parameters 3 × 2 = 6
        assertThat(SPACE.cardinality().intValue()).isEqualTo(144 * 9 * 6);
        Set<Candidate> seen = new HashSet<>();
        int[] x = new int[e.genes()];
        while (true) {
            if (java.util.Arrays.equals(x, e.canonical(x))) {
                Candidate c = e.decode(x);
                assertThat(e.encode(c)).isEqualTo(x);
                seen.add(c);
            }
            int g = e.genes() - 1;
            while (g >= 0 && ++x[g] == e.arity(g)) {
                x[g--] = 0;
            }
            if (g < 0) {
                break;
            }
        }
        assertThat(seen).hasSize(SPACE.cardinality().intValue());
    }

    @Test
    void mutationChangesExactlyOneActiveDecisionAndStaysCanonical() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 500; i++) {
            int[] x = e.sample(rnd);
            int[] y = e.mutate(x, rnd);
            assertThat(y).isEqualTo(e.canonical(y));
            assertThat(e.key(y)).isNotEqualTo(e.key(x));
            if (x[0] == y[0]) {
                int diff = 0;
                for (int g = 0; g < x.length; g++) {
                    diff += x[g] != y[g] ? 1 : 0;
                }
                assertThat(diff).isEqualTo(1);
            }
        }
    }

    @Test
    void decodedParametersFollowTheirGridsAndOverrideTraining() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        assertThat(SPACE.parameters().get("learningRate").values())
                .satisfiesExactly(v -> assertThat((Double) v).isCloseTo(1e-4, org.assertj.core.data.Offset.offset(1e-12)),
                        v -> assertThat((Double) v).isCloseTo(1e-3, org.assertj.core.data.Offset.offset(1e-12)),
                        v -> assertThat((Double) v).isCloseTo(1e-2, org.assertj.core.data.Offset.offset(1e-12)));
        Candidate c = e.decode(e.sample(new SplittableRandom(3)));
        assertThat(c.parameters()).containsOnlyKeys("learningRate", "optimizer");
        TrainingSpec t = TrainingSpec.defaults().withOverrides(c.parameters());
        assertThat(t.optimizer()).isEqualTo(c.parameters().get("optimizer"));
        assertThat(t.learningRate()).isEqualTo(c.parameters().get("learningRate"));
        Candidate back = JsonCodec.readCandidate(JsonCodec.write(c));
        assertThat(back).isEqualTo(c);
        assertThat(e.encode(back)).isEqualTo(e.encode(c));
    }

    @Test
    void candidatesOutsideTheSpaceAreRejectedWithThePath() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        Candidate c = e.decode(e.sample(new SplittableRandom(4)));
        StageSpec s = c.architecture().stages().get(0);
        Candidate outside = new Candidate(new ArchitectureSpec(ModelFamily.CNN,
                List.of(new StageSpec(s.blocks(), 64, 3, s.convType(), s.skip(), s.batchNorm(), s.pooling())),
                null, c.architecture().head()), c.compression(), c.parameters());
        assertThatThrownBy(() -> e.encode(outside)).hasMessageStartingWith("architecture.stages[0].filters: 64 is not among");
    }

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
