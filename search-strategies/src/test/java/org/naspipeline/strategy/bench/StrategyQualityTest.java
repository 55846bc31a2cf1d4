package org.naspipeline.strategy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.naspipeline.strategy.StrategyRegistry;
import org.junit.jupiter.api.Test;

/** The strategies' search quality as statistics over fixed seeds (the same runs `nas bench strategies` prints). */
class StrategyQualityTest {
    static final StrategyBenchmark BENCH = new StrategyBenchmark(StrategyRegistry.load());
    static final int SEEDS = StrategyBenchmark.DEFAULT_SEEDS;
    static final int NK_BUDGET = StrategyBenchmark.NK_BUDGET;
    static final int ZDT_BUDGET = StrategyBenchmark.ZDT_BUDGET;

    @Test
    void regularizedEvolutionReachesTheTopPercentInAtMostHalfTheTrialsOfRandomSearch() {
        StrategyBenchmark.NkResult random = BENCH.nk("random", SEEDS, NK_BUDGET);
        StrategyBenchmark.NkResult evolution = BENCH.nk("regularized-evolution", SEEDS, NK_BUDGET);
        StrategyBenchmark.NkResult reinforce = BENCH.nk("reinforce", SEEDS, NK_BUDGET);
        System.out.printf("median trials to top 1%%: random %.1f, RE %.1f, reinforce %.1f%n",
                random.medianTrialsToTop1Percent(), evolution.medianTrialsToTop1Percent(), reinforce.medianTrialsToTop1Percent());
        assertThat(evolution.medianTrialsToTop1Percent()).isLessThanOrEqualTo(random.medianTrialsToTop1Percent() / 2);
        assertThat(evolution.reachedFraction()).isEqualTo(1.0);
    }

    @Test
    void nsga2FindsALargerHypervolumeThanRandomSearch() {
        StrategyBenchmark.ZdtResult random = BENCH.zdt("random", SEEDS, ZDT_BUDGET);
        StrategyBenchmark.ZdtResult nsga2 = BENCH.zdt("nsga2", SEEDS, ZDT_BUDGET);
        System.out.printf("ZDT1 HV/HV*: random %.3f, nsga2 %.3f%n", random.medianRatioToOptimal(), nsga2.medianRatioToOptimal());
        assertThat(nsga2.medianHypervolume()).isGreaterThan(random.medianHypervolume());
        assertThat(nsga2.medianWideHypervolume()).isGreaterThan(random.medianWideHypervolume());
    }
}
