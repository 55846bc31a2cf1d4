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

    @Test
    void tpeReachesTheTopPercentFasterThanOptunasMultivariateTpeAndRegularizedEvolution() {
        StrategyBenchmark.NkResult tpe = BENCH.nk("tpe", SEEDS, NK_BUDGET);
        StrategyBenchmark.NkResult evolution = BENCH.nk("regularized-evolution", SEEDS, NK_BUDGET);
        System.out.printf("median trials to top 1%%: tpe %.1f, RE %.1f%n", tpe.medianTrialsToTop1Percent(),
                evolution.medianTrialsToTop1Percent());
        // Optuna's multivariate TPE needs 20 on these landscapes (101 seeds; docs/benchmarks.md has tpe's 101-seed run)
        assertThat(tpe.medianTrialsToTop1Percent()).isLessThanOrEqualTo(18);
        assertThat(tpe.medianTrialsToTop1Percent()).isLessThan(evolution.medianTrialsToTop1Percent() / 2);
        assertThat(tpe.reachedFraction()).isEqualTo(1.0);
    }

    @Test
    void motpeMoreThanDoublesTheHypervolumeOfNsga2OnZdt1() {
        StrategyBenchmark.ZdtResult nsga2 = BENCH.zdt("nsga2", SEEDS, ZDT_BUDGET);
        StrategyBenchmark.ZdtResult motpe = BENCH.zdt("motpe", SEEDS, ZDT_BUDGET);
        System.out.printf("ZDT1 median HV: nsga2 %.3f, motpe %.3f (optimum %.4f)%n", nsga2.medianHypervolume(),
                motpe.medianHypervolume(), motpe.optimalHypervolume());
        // the bar: ≥ 0.35, against Optuna's best at 0.246
        assertThat(motpe.medianHypervolume()).isGreaterThanOrEqualTo(0.35);
        assertThat(motpe.medianHypervolume()).isGreaterThan(2 * nsga2.medianHypervolume());
        assertThat(motpe.medianWideHypervolume()).isGreaterThan(nsga2.medianWideHypervolume());
    }
}
