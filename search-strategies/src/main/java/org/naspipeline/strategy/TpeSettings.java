package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/**
 * The settings {@code tpe} and {@code motpe} share, read once with their errors so validation and creation
 * cannot disagree. Defaults and their measurements are in docs/strategies.md.
 */
record TpeSettings(double gamma, int maxGood, int candidates, double priorWeight, int startupTrials, int window,
                   boolean multivariate, boolean constantLiar, List<ValidationError> errors) {

    /** Reads {@code strategy.settings}. */
    static TpeSettings read(StrategyContext context) {
        return read(new StrategySettings(context));
    }

    /**
     * Reads the TPE settings from {@code s}, after whatever else a strategy read from it: the errors are all of
     * {@code s}'s, unknown keys included.
     */
    static TpeSettings read(StrategySettings s) {
        double gamma = s.real("gamma", 0.1, 0.001, 1);
        int maxGood = s.integer("maxGood", 25, 1, 10_000);
        int candidates = s.integer("candidates", 24, 1, 10_000);
        double priorWeight = s.real("priorWeight", 0.3, 0.001, 100);
        int startup = s.integer("startupTrials", 3, 1, 1_000_000);
        int window = s.integer("window", 1000, 10, 1_000_000);
        boolean multivariate = s.bool("multivariate", true);
        boolean liar = s.bool("constantLiar", true);
        return new TpeSettings(gamma, maxGood, candidates, priorWeight, startup, window, multivariate, liar, s.errors());
    }

    /** Size of the good set after {@code n} results: ⌈γ·n⌉, at most {@code maxGood}, at least 1. */
    int good(int n) {
        return Math.max(1, Math.min(maxGood, (int) Math.ceil(gamma * n)));
    }
}
