package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/** Provides {@code reinforce}. Settings: {@code learningRate} (default 0.1), {@code baselineDecay} (default 0.9). */
public final class ReinforceProvider implements SearchStrategyProvider {
    @Override
    public String name() {
        return "reinforce";
    }

    /** The settings read once, with their errors, so validation and creation cannot disagree. */
    private record Params(double learningRate, double baselineDecay, List<ValidationError> errors) {
        static Params read(StrategyContext context) {
            StrategySettings s = new StrategySettings(context);
            double lr = s.real("learningRate", 0.1, 1e-6, 10);
            double decay = s.real("baselineDecay", 0.9, 0, 0.9999);
            return new Params(lr, decay, s.errors());
        }
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return Params.read(context).errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        Params p = Params.read(context);
        return new Reinforce(context, p.learningRate(), p.baselineDecay());
    }
}
