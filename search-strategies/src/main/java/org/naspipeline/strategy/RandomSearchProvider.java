package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.ValidationError;

/** Provides {@code random}: uniform sampling without repeats. It takes no settings. */
public final class RandomSearchProvider implements SearchStrategyProvider {
    @Override
    public String name() {
        return "random";
    }

    @Override
    public List<ValidationError> validate(StrategySpec spec, SearchSpace space) {
        List<ValidationError> errors = new ArrayList<>();
        for (String key : spec.settings().keySet()) {
            errors.add(new ValidationError("strategy.settings." + key, "unknown setting for strategy 'random' (it takes none)"));
        }
        return errors;
    }

    @Override
    public SearchStrategy create(StrategySpec spec, SearchSpace space) {
        return new RandomSearch(space, spec.seed());
    }
}
