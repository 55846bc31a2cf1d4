package org.naspipeline.strategy;

import org.naspipeline.api.TrialResult;

/**
 * Random search: each decision drawn uniformly, no candidate repeated before the space is exhausted.
 * Results do not steer it.
 */
final class RandomSearch extends AbstractStrategy {
    RandomSearch(StrategyContext context) {
        super(context);
    }

    @Override
    protected int[] propose() {
        return encoding.sample(rnd);
    }

    @Override
    protected void onResult(int[] genes, TrialResult result, int rung, boolean replaces) {
        // random search ignores results, at every rung
    }
}
