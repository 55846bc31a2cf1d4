package org.naspipeline.api;

import java.util.Map;

/** Which search strategy to run, its seed, and its strategy-specific settings. */
public record StrategySpec(String name, Long seed, Map<String, Object> settings) {
    /** Applies defaults: random search, seed 0, no settings. */
    public StrategySpec {
        name = name == null ? "random" : name;
        seed = seed == null ? 0L : seed;
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
}
