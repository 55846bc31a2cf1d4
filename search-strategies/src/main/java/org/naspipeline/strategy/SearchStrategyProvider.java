package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.ValidationError;

/** Creates one kind of strategy; found through {@link java.util.ServiceLoader}. */
public interface SearchStrategyProvider {
    /** The name used in {@code strategy.name}. */
    String name();

    /** Checks the strategy settings against the space; errors use paths under {@code strategy.settings}. */
    List<ValidationError> validate(StrategySpec spec, SearchSpace space);

    /** Creates a fresh strategy; call only with a spec that validated. */
    SearchStrategy create(StrategySpec spec, SearchSpace space);
}
