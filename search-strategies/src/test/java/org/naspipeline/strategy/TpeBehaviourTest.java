package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.bench.NkLandscape;
import org.naspipeline.strategy.bench.StrategyBenchmark;
import org.naspipeline.strategy.space.SpaceEncoding;

/** What {@code tpe} and {@code motpe} do with results, beyond the shared contract. */
class TpeBehaviourTest {
    static final SpaceEncoding ENCODING = StrategyBehaviourTest.ENCODING;
    /** Accuracy and latency, with sizeBytes ≤ 1000 as a hard limit. */
    static final ObjectivesSpec CONSTRAINED = new ObjectivesSpec(List.of(new Objective(Objective.Metric.ACCURACY, null),
            new Objective(Objective.Metric.LATENCY_MS, null)), null,
            List.of(new ObjectivesSpec.Constraint(Objective.Metric.SIZE_BYTES, 1000.0, null)));

    static AbstractTpe create(String name, Map<String, Object> settings, SearchSpace space, ObjectivesSpec objectives) {
        return create(name, 7L, settings, space, objectives);
    }

    static AbstractTpe create(String name, long seed, Map<String, Object> settings, SearchSpace space, ObjectivesSpec objectives) {
        return (AbstractTpe) StrategyRegistry.load().create(new StrategyContext(new StrategySpec(name, seed, settings),
                space, objectives, 200));
    }

    static TrialResult completed(int i, double accuracy, double latency, long size) {
        return new TrialResult.Completed(1, "e", "t" + i, 1, "w", TrialMetrics.synthetic(accuracy, latency, size), null);
    }

    static int hamming(Candidate a, Candidate b) {
        int[] x = ENCODING.encode(a);
        int[] y = ENCODING.encode(b);
        int d = 0;
        for (int g = 0; g < x.length; g++) {
            d += x[g] != y[g] ? 1 : 0;
        }
        return d;
    }

    @Test
    void tpeConcentratesOnTheRewardedChoice() {
        AbstractTpe tpe = create("tpe", Map.of(), StrategyContractTest.TOY, ObjectivesSpec.DEFAULT);
        int good = 0;
        for (int i = 0; i < 80; i++) {
            Candidate c = tpe.ask(1).get(0);
            double accuracy = StrategyBehaviourTest.oneGoodChoice(c);
            tpe.tell(c, StrategyBehaviourTest.result(i, accuracy));
            good += i >= 40 && accuracy == 1 ? 1 : 0;
        }
        // random search gets the rewarded filter count half the time
        assertThat(good).as("trials 41-80 with 16 filters in stage 0").isGreaterThanOrEqualTo(30);
    }

    @Test
    void parallelAsksSpreadOutUnderTheConstantLiar() {
        SearchSpace space = StrategyBenchmark.nasLikeSpace();
        SpaceEncoding encoding = new SpaceEncoding(space);
        int[] closePairs = new int[2];
        for (int liar = 0; liar < 2; liar++) {
            for (long seed = 1; seed <= 10; seed++) {
                NkLandscape landscape = new NkLandscape(encoding, 2, seed);
                AbstractTpe tpe = create("tpe", seed, Map.of("constantLiar", liar == 1), space, ObjectivesSpec.DEFAULT);
                for (int i = 0; i < 20; i++) {
                    Candidate c = tpe.ask(1).get(0);
                    tpe.tell(c, completed(i, landscape.fitness(encoding.encode(c)), 1, 1));
                }
                tpe.ask(1); // builds the model after the last result; this ask stays in flight
                int badBefore = tpe.modelSizes()[1];
                List<Candidate> batch = tpe.ask(8);
                assertThat(tpe.modelSizes()[1]).as("the model behind the 8th ask, liar %s", liar == 1)
                        .isEqualTo(liar == 1 ? badBefore + 8 : badBefore); // the 9 in flight but the 8th itself
                for (int a = 0; a < batch.size(); a++) {
                    for (int b = a + 1; b < batch.size(); b++) {
                        int[] x = encoding.encode(batch.get(a));
                        int[] y = encoding.encode(batch.get(b));
                        int distance = 0;
                        for (int g = 0; g < x.length; g++) {
                            distance += x[g] != y[g] ? 1 : 0;
                        }
                        closePairs[liar] += distance <= 2 ? 1 : 0;
                    }
                }
            }
        }
        // without the liar, the 8 asks crowd around the same good candidate
        assertThat(closePairs[1]).as("pairs at most 2 decisions apart in batches of 8, 10 seeds: liar %s vs none %s",
                closePairs[1], closePairs[0]).isLessThan(closePairs[0] / 3);
    }

    @Test
    void theModelSeesAtMostTheWindowWhateverTheHistory() {
        AbstractTpe tpe = create("tpe", Map.of("window", 50, "maxGood", 5), StrategyContractTest.TOY, ObjectivesSpec.DEFAULT);
        for (int i = 0; i < 300; i++) {
            Candidate c = tpe.ask(1).get(0);
            tpe.tell(c, StrategyBehaviourTest.result(i, StrategyBehaviourTest.oneGoodChoice(c) + (i % 10) / 100.0));
        }
        tpe.ask(1);
        assertThat(tpe.modelSizes()[0]).isEqualTo(5);
        assertThat(tpe.modelSizes()[1]).as("the last 50 results but the good ones among them").isBetween(45, 50);
    }

    @Test
    void tpeRanksFailedAndInfeasibleTrialsBelowEveryFeasibleOne() {
        AbstractTpe tpe = create("tpe", Map.of("startupTrials", 100, "gamma", 1.0, "maxGood", 2),
                StrategyContractTest.TOY, CONSTRAINED);
        List<Candidate> asked = tpe.ask(5);
        tpe.tell(asked.get(0), new TrialResult.Failed(1, "e", "t0", 1, "w", "out of memory", false));
        tpe.tell(asked.get(1), completed(1, 0.99, 1, 5000)); // breaks sizeBytes ≤ 1000
        tpe.tell(asked.get(2), completed(2, 0.10, 1, 100));
        tpe.tell(asked.get(3), completed(3, 0.20, 1, 100));
        assertThat(tpe.selectGood(4)).extracting(AbstractTpe.Observation::sequence).containsExactly(3L, 2L);
    }

    @Test
    void motpeFillsTheGoodSetFrontByFrontThenByHypervolumeContributionAndFeasibleFirst() {
        Map<String, Object> settings = Map.of("startupTrials", 100, "gamma", 0.5, "maxGood", 7);
        AbstractTpe motpe = create("motpe", settings, StrategyContractTest.TOY, CONSTRAINED);
        List<Candidate> asked = motpe.ask(8);
        motpe.tell(asked.get(0), completed(0, 0.90, 5.0, 100)); // front
        motpe.tell(asked.get(1), completed(1, 0.80, 2.0, 100)); // front
        motpe.tell(asked.get(2), completed(2, 0.70, 1.0, 100)); // front
        motpe.tell(asked.get(3), completed(3, 0.89, 4.9, 100)); // front, but crowded next to #0: least contribution
        motpe.tell(asked.get(4), completed(4, 0.60, 0.3, 100)); // front
        motpe.tell(asked.get(5), completed(5, 0.99, 0.1, 5000)); // would dominate all, but breaks sizeBytes ≤ 1000
        motpe.tell(asked.get(6), new TrialResult.Failed(1, "e", "t6", 1, "w", "diverged", false));
        motpe.tell(asked.get(7), completed(7, 0.50, 6.0, 100)); // dominated
        assertThat(motpe.selectGood(8)).as("γ·n = 4 of a front of 5").extracting(AbstractTpe.Observation::sequence)
                .containsExactlyInAnyOrder(0L, 1L, 2L, 4L);
        assertThat(motpe.selectGood(14)).as("7: the front, the dominated one, then the infeasible one")
                .extracting(AbstractTpe.Observation::sequence).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 7L, 5L);
    }

    @Test
    void motpeNeverLosesTheFrontFromItsBoundedArchive() {
        AbstractTpe motpe = create("motpe", Map.of("maxGood", 4, "startupTrials", 1000), StrategyContractTest.TOY,
                StrategyContractTest.TWO_OBJECTIVES);
        List<Candidate> asked = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            asked.add(motpe.ask(1).get(0));
        }
        // one front of 4 (accuracy up with latency), told first, then 36 results each dominated by all of it
        for (int i = 0; i < 4; i++) {
            motpe.tell(asked.get(i), completed(i, 0.9 + i * 0.02, 1 + i, 1));
        }
        for (int i = 4; i < 40; i++) {
            motpe.tell(asked.get(i), completed(i, 0.5 - i * 0.001, 10 + i, 1));
        }
        assertThat(motpe.selectGood(40)).extracting(AbstractTpe.Observation::sequence).containsExactlyInAnyOrder(0L, 1L, 2L, 3L);
    }

    @Test
    void nonFiniteAndOutOfRangeMetricsNeitherStopNorRepeatTheSearch() {
        for (String name : List.of("tpe", "motpe")) {
            AbstractTpe s = create(name, Map.of("startupTrials", 2), StrategyContractTest.TOY, CONSTRAINED);
            double[][] metrics = {{Double.NaN, 1}, {0.5, Double.POSITIVE_INFINITY}, {Double.NEGATIVE_INFINITY, Double.NaN},
                {2.5, -1}, {0.7, 2}, {Double.MAX_VALUE, Double.MIN_VALUE}};
            List<Candidate> asked = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Candidate c = s.ask(1).get(0);
                asked.add(c);
                double[] m = metrics[i % metrics.length];
                s.tell(c, completed(i, m[0], m[1], i % 4 == 0 ? Long.MAX_VALUE : 10));
            }
            asked.addAll(s.ask(10));
            assertThat(new java.util.HashSet<>(asked)).as(name).hasSize(40);
        }
    }
}
