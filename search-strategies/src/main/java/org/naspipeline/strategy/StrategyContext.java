package org.naspipeline.strategy;

import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;

/** What a strategy is created from: its own spec, the space, the objectives and the trial budget. */
public record StrategyContext(StrategySpec strategy, SearchSpace space, ObjectivesSpec objectives, int maxTrials) {

    /** The context of an experiment. */
    public static StrategyContext of(ExperimentSpec spec) {
        return new StrategyContext(spec.strategy(), spec.searchSpace(), spec.objectives(), spec.budget().maxTrials());
    }
}
