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

    /** The settings read once, with their errors, so validation and creation cannot disagree. */
    private record Params(int populationSize, double crossoverProbability, List<ValidationError> errors) {
        static Params read(StrategyContext context) {
            StrategySettings s = new StrategySettings(context);
            int population = s.integer("populationSize", Math.max(8, Math.min(100, context.maxTrials() / 5)), 2, 10_000);
            double crossover = s.real("crossoverProbability", 0.9, 0, 1);
            return new Params(population, crossover, s.errors());
        }
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return Params.read(context).errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        Params p = Params.read(context);
        return new Nsga2(context, p.populationSize(), p.crossoverProbability());
    }
}
