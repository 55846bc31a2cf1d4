package org.naspipeline.strategy;

import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;

/**
 * What a strategy is created from: its own spec, the space, the objectives, the trial budget and the scheduler
 * in effect (which decides whether results come at several fidelity rungs).
 */
public record StrategyContext(StrategySpec strategy, SearchSpace space, ObjectivesSpec objectives, int maxTrials,
                              SchedulerSpec scheduler) {

    /** A missing scheduler is {@link SchedulerSpec#NONE}. */
    public StrategyContext {
        scheduler = scheduler == null ? SchedulerSpec.NONE : scheduler;
    }

    /** A context without a scheduler: every result at one fidelity. */
    public StrategyContext(StrategySpec strategy, SearchSpace space, ObjectivesSpec objectives, int maxTrials) {
        this(strategy, space, objectives, maxTrials, SchedulerSpec.NONE);
    }

    /** The context of an experiment, with its scheduler in effect (an {@code earlyStopping} block's median rule too). */
    public static StrategyContext of(ExperimentSpec spec) {
        return new StrategyContext(spec.strategy(), spec.searchSpace(), spec.objectives(), spec.budget().maxTrials(),
                spec.effectiveScheduler());
    }
}
