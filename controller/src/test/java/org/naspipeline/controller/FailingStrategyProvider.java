package org.naspipeline.controller;

import java.util.List;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;
import org.naspipeline.strategy.SearchStrategy;
import org.naspipeline.strategy.SearchStrategyProvider;
import org.naspipeline.strategy.StrategyContext;

/**
 * A strategy with a bug, registered for the controller's tests only: every {@code ask} throws. It stands for
 * any defect past the processor's input checks, which the processing exception handler must contain.
 */
public final class FailingStrategyProvider implements SearchStrategyProvider {
    static final String NAME = "failing-for-tests";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return List.of();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        return new SearchStrategy() {
            @Override
            public List<Candidate> ask(int n) {
                throw new IllegalStateException("a strategy bug");
            }

            @Override
            public void tell(Candidate candidate, TrialResult result) {}
        };
    }
}
