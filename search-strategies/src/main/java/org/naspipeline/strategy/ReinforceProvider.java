package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/** Provides {@code reinforce}. Settings: {@code learningRate} (default 0.1), {@code baselineDecay} (default 0.9). */
public final class ReinforceProvider implements SearchStrategyProvider {
    @Override
    public String name() {
        return "reinforce";
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        StrategySettings s = new StrategySettings(context);
        s.real("learningRate", 0.1, 1e-6, 10);
        s.real("baselineDecay", 0.9, 0, 0.9999);
        return s.errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        StrategySettings s = new StrategySettings(context);
        return new Reinforce(context, s.real("learningRate", 0.1, 1e-6, 10), s.real("baselineDecay", 0.9, 0, 0.9999));
    }
}
