package org.naspipeline.strategy;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.naspipeline.api.ValidationError;

/** Every strategy on the classpath, by name. */
public final class StrategyRegistry {
    private final Map<String, SearchStrategyProvider> providers;

    private StrategyRegistry(Map<String, SearchStrategyProvider> providers) {
        this.providers = providers;
    }

    /** Loads the providers registered in {@code META-INF/services}. */
    public static StrategyRegistry load() {
        Map<String, SearchStrategyProvider> byName = new TreeMap<>();
        for (SearchStrategyProvider p : ServiceLoader.load(SearchStrategyProvider.class)) {
            SearchStrategyProvider previous = byName.put(p.name(), p);
            if (previous != null) {
                throw new IllegalStateException("two strategies are named '" + p.name() + "': "
                        + previous.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return new StrategyRegistry(byName);
    }

    /** The registered names, sorted. */
    public List<String> names() {
        return List.copyOf(providers.keySet());
    }

    /** Validates the strategy part of a spec: a known name and settings that provider accepts. */
    public List<ValidationError> validate(StrategyContext context) {
        SearchStrategyProvider p = providers.get(context.strategy().name());
        if (p == null) {
            return List.of(new ValidationError("strategy.name",
                    "unknown strategy '" + context.strategy().name() + "' (known: " + String.join(", ", names()) + ")"));
        }
        return p.validate(context);
    }

    /** Creates the named strategy from a validated context. */
    public SearchStrategy create(StrategyContext context) {
        SearchStrategyProvider p = providers.get(context.strategy().name());
        if (p == null) {
            throw new IllegalArgumentException("unknown strategy '" + context.strategy().name() + "'");
        }
        return p.create(context);
    }
}
