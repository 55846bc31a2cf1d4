package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/**
 * Provides {@code nsga2}. Settings: {@code populationSize} (default maxTrials/5 within [8, 100]) and
 * {@code crossoverProbability} (default 0.9). Objectives and constraints come from the spec's {@code objectives}.
 */
public final class Nsga2Provider implements SearchStrategyProvider {
    @Override
    public String name() {
        return "nsga2";
    }

    private static int defaultPopulation(StrategyContext context) {
        return Math.max(8, Math.min(100, context.maxTrials() / 5));
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        StrategySettings s = new StrategySettings(context);
        s.integer("populationSize", defaultPopulation(context), 2, 10_000);
        s.real("crossoverProbability", 0.9, 0, 1);
        return s.errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        StrategySettings s = new StrategySettings(context);
        return new Nsga2(context, s.integer("populationSize", defaultPopulation(context), 2, 10_000),
                s.real("crossoverProbability", 0.9, 0, 1));
    }
}
