package org.naspipeline.controller;

import java.util.List;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;
import org.naspipeline.strategy.SearchStrategy;
import org.naspipeline.strategy.SearchStrategyProvider;
import org.naspipeline.strategy.StrategyContext;

/**
 * Strategies with a bug, registered for the controller's tests only: {@value #NAME} throws on every {@code ask},
 * {@value #LATE_NAME} (see {@link Late}) only once it has been told a result. They stand for any defect past the
 * processor's input checks, which must not stop the controller.
 */
public final class FailingStrategyProvider implements SearchStrategyProvider {
    public static final String NAME = "failing-for-tests";
    public static final String LATE_NAME = "failing-late-for-tests";

    /** The strategy that fails only after its first result (so an experiment starts, then breaks). */
    public static final class Late implements SearchStrategyProvider {
        @Override
        public String name() {
            return LATE_NAME;
        }

        @Override
        public List<ValidationError> validate(StrategyContext context) {
            return List.of();
        }

        @Override
        public SearchStrategy create(StrategyContext context) {
            SearchStrategy random = new org.naspipeline.strategy.RandomSearchProvider().create(context);
            return new SearchStrategy() {
                private boolean told;

                @Override
                public List<Candidate> ask(int n) {
                    if (told) {
                        throw new IllegalStateException("a strategy bug after the first result");
                    }
                    return random.ask(n);
                }

                @Override
                public void tell(Candidate candidate, TrialResult result, int rung) {
                    told = true;
                }
            };
        }
    }

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
            public void tell(Candidate candidate, TrialResult result, int rung) {}
        };
    }
}
