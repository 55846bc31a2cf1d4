package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/** Creates one kind of strategy; found through {@link java.util.ServiceLoader}. */
public interface SearchStrategyProvider {
    /** The name used in {@code strategy.name}. */
    String name();

    /** Checks the strategy settings (paths under {@code strategy.settings}) and anything else it needs. */
    List<ValidationError> validate(StrategyContext context);

    /** Creates a fresh strategy; call only with a context that validated. */
    SearchStrategy create(StrategyContext context);
}
