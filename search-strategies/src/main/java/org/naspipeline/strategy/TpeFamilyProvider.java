package org.naspipeline.strategy;

import java.util.List;
import java.util.function.BiFunction;
import org.naspipeline.api.ValidationError;

/** The providers of {@code tpe} and {@code motpe}: one name, the shared {@link TpeSettings}, one strategy class. */
abstract class TpeFamilyProvider implements SearchStrategyProvider {
    private final String name;
    private final BiFunction<StrategyContext, TpeSettings, SearchStrategy> strategy;

    TpeFamilyProvider(String name, BiFunction<StrategyContext, TpeSettings, SearchStrategy> strategy) {
        this.name = name;
        this.strategy = strategy;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return TpeSettings.read(context).errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        return strategy.apply(context, TpeSettings.read(context));
    }
}
