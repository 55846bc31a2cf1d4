package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/** Provides {@code random}. It takes no settings. */
public final class RandomSearchProvider implements SearchStrategyProvider {
    @Override
    public String name() {
        return "random";
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return new StrategySettings(context).errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        return new RandomSearch(context);
    }
}
