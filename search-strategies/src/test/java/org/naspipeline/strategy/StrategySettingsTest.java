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
        assertThat(r.names()).containsExactly("nsga2", "random", "regularized-evolution", "reinforce");
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
}
