package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.ValidationError;
import org.junit.jupiter.api.Test;

class StrategySettingsTest {
    static StrategyContext ctx(String name, Map<String, Object> settings) {
        return new StrategyContext(new StrategySpec(name, 1L, settings), StrategyContractTest.TOY, ObjectivesSpec.DEFAULT, 100);
    }

    @Test
    void typedSettingsAreCheckedWithPathsAndRanges() {
        StrategyRegistry r = StrategyRegistry.load();
        assertThat(r.names()).containsExactly("bohb", "motpe", "nsga2", "random", "regularized-evolution", "reinforce", "tpe");
        assertThat(r.validate(ctx("regularized-evolution", Map.of("populationSize", 10, "sampleSize", 20))))
                .extracting(ValidationError::toString)
                .containsExactly("strategy.settings.sampleSize: must be ≤ populationSize (got 20 > 10)");
        assertThat(r.validate(ctx("regularized-evolution", Map.of("populationSize", "big"))))
                .extracting(ValidationError::toString)
                .containsExactly("strategy.settings.populationSize: must be an integer (got big)");
        assertThat(r.validate(ctx("reinforce", Map.of("learningRate", -1))))
                .extracting(ValidationError::path).containsExactly("strategy.settings.learningRate");
        assertThat(r.validate(ctx("nsga2", Map.of("crossoverProbability", 2.0, "populationSize", 1))))
                .extracting(ValidationError::path)
                .containsExactlyInAnyOrder("strategy.settings.crossoverProbability", "strategy.settings.populationSize");
        assertThat(r.validate(ctx("grid", Map.of()))).extracting(ValidationError::path).containsExactly("strategy.name");
    }

    @Test
    void tpeSettingsOfEveryWrongKindAreRefusedAtTheirPath() {
        StrategyRegistry r = StrategyRegistry.load();
        for (String name : new String[] {"tpe", "motpe"}) {
            assertThat(r.validate(ctx(name, Map.of("gamma", 0.25, "maxGood", 10, "candidates", 64, "priorWeight", 1.0,
                    "startupTrials", 10, "window", 5000, "multivariate", false, "constantLiar", false)))).isEmpty();
            assertThat(r.validate(ctx(name, Map.of("gamma", 0.0)))).extracting(ValidationError::toString)
                    .containsExactly("strategy.settings.gamma: must be a number in [0.001, 1.0] (got 0.0)");
            assertThat(r.validate(ctx(name, Map.of("gamma", Double.NaN)))).extracting(ValidationError::path)
                    .containsExactly("strategy.settings.gamma");
            assertThat(r.validate(ctx(name, Map.of("priorWeight", Double.POSITIVE_INFINITY)))).extracting(ValidationError::path)
                    .containsExactly("strategy.settings.priorWeight");
            assertThat(r.validate(ctx(name, Map.of("candidates", 0, "maxGood", 2.5, "window", 9, "startupTrials", "ten"))))
                    .extracting(ValidationError::path).containsExactlyInAnyOrder("strategy.settings.candidates",
                            "strategy.settings.maxGood", "strategy.settings.window", "strategy.settings.startupTrials");
            assertThat(r.validate(ctx(name, Map.of("multivariate", "yes")))).extracting(ValidationError::toString)
                    .containsExactly("strategy.settings.multivariate: must be true or false (got yes)");
            assertThat(r.validate(ctx(name, Map.of("constantLiar", 1)))).extracting(ValidationError::path)
                    .containsExactly("strategy.settings.constantLiar");
            assertThat(r.validate(ctx(name, Map.of("window", Long.MAX_VALUE)))).extracting(ValidationError::path)
                    .containsExactly("strategy.settings.window");
            assertThat(r.validate(ctx(name, Map.of("gama", 0.1)))).extracting(ValidationError::toString)
                    .singleElement().asString().startsWith("strategy.settings.gama: unknown setting for strategy '" + name + "'")
                    .contains("gamma");
        }
    }
}
