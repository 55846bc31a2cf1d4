package org.naspipeline.strategy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.naspipeline.strategy.StrategyRegistry;
import org.junit.jupiter.api.Test;

/** Strategies under Hyperband on the noisy multi-fidelity NK problem (the runs docs/benchmarks.md records). */
class MultiFidelityBenchmarkTest {
    static final MultiFidelityBenchmark BENCH = new MultiFidelityBenchmark(StrategyRegistry.load());

    @Test
    void bohbUnderHyperbandReachesTheTopPercentInFewerEpochsThanRandomSearch() {
        MultiFidelityBenchmark.Result random = BENCH.run("random", Map.of(), StrategyBenchmark.DEFAULT_SEEDS,
                MultiFidelityBenchmark.BUDGET_EPOCHS, 0);
        MultiFidelityBenchmark.Result bohb = BENCH.run("bohb", Map.of(), StrategyBenchmark.DEFAULT_SEEDS,
                MultiFidelityBenchmark.BUDGET_EPOCHS, 0);
        System.out.printf("median epochs to top 1%% under Hyperband: random %.0f, bohb %.0f%n",
                random.medianEpochsToTop1Percent(), bohb.medianEpochsToTop1Percent());
        assertThat(bohb.medianEpochsToTop1Percent()).isLessThan(0.8 * random.medianEpochsToTop1Percent());
        assertThat(bohb.reachedFraction()).isEqualTo(1.0);
        assertThat(random.reachedFraction()).isLessThan(1.0);
    }
}
