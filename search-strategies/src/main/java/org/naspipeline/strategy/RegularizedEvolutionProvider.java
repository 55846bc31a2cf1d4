package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/**
 * Provides {@code regularized-evolution}. Settings: {@code populationSize} (P, default maxTrials/10 within
 * [10, 100]) and {@code sampleSize} (S, default P/2 within [2, 25]): P=100, S=25 as in Real et al. from 1,000
 * trials up; smaller budgets get a smaller population so evolution starts early, with stronger selection
 * (S/P = 1/2 measured better than 1/4 below P = 30, see docs/benchmarks.md).
 */
public final class RegularizedEvolutionProvider implements SearchStrategyProvider {
    @Override
    public String name() {
        return "regularized-evolution";
    }

    private record Params(int populationSize, int sampleSize, List<ValidationError> errors) {}

    private static Params read(StrategyContext context) {
        StrategySettings s = new StrategySettings(context);
        int defaultP = Math.max(10, Math.min(100, context.maxTrials() / 10));
        int p = s.integer("populationSize", defaultP, 2, 100_000);
        int sampleSize = s.integer("sampleSize", Math.max(2, Math.min(25, p / 2)), 1, 100_000);
        List<ValidationError> errors = new java.util.ArrayList<>(s.errors());
        if (sampleSize > p) {
            errors.add(new ValidationError("strategy.settings.sampleSize",
                    "must be ≤ populationSize (got " + sampleSize + " > " + p + ")"));
        }
        return new Params(p, sampleSize, errors);
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return read(context).errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        Params p = read(context);
        return new RegularizedEvolution(context, p.populationSize(), p.sampleSize());
    }
}
