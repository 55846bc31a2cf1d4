package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.EarlyStoppingSpec;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;

/** What {@code bohb} does with results at several rungs, beyond the shared contracts. */
class BohbBehaviourTest {
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();
    static final SchedulerSpec HYPERBAND = new SchedulerSpec(SchedulerSpec.Type.HYPERBAND, null, null, null, null, null);

    static StrategyContext context(String name, long seed, Map<String, Object> settings, SchedulerSpec scheduler) {
        return new StrategyContext(new StrategySpec(name, seed, settings), StrategyContractTest.TOY, ObjectivesSpec.DEFAULT,
                200, scheduler);
    }

    static Bohb bohb(long seed, Map<String, Object> settings) {
        return (Bohb) REGISTRY.create(context("bohb", seed, settings, HYPERBAND));
    }

    static TrialResult at(int trial, int attempt, double accuracy) {
        return new TrialResult.Completed(1, "e", "t" + trial, attempt, "w", TrialMetrics.synthetic(accuracy, 1, 1), null);
    }

    static int filters(Candidate c) {
        return ((CnnArchitecture) c.architecture()).stages().get(0).filters();
    }

    /** A score in [0, 0.4) that differs between candidates, so results are ranked without ties. */
    static double noise(Candidate c) {
        return Long.parseUnsignedLong(c.canonicalHash().substring(0, 8), 16) % 400 / 1000.0;
    }

    /** Share of {@code n} asks, none told (so the model stays as it is), with 8 filters in stage 0. */
    static double shareWithEightFilters(SearchStrategy s, int n) {
        int eight = 0;
        for (int i = 0; i < n; i++) {
            eight += filters(s.ask(1).get(0)) == 8 ? 1 : 0;
        }
        return (double) eight / n;
    }

    @Test
    void theModelFollowsTheHighestRungWithEnoughResultsAndIgnoresTheRungsBelow() {
        // rung 0 rewards 8 filters, rung 1 rewards 16: the two fidelities disagree
        Map<String, Object> settings = Map.of("randomFraction", 0.0, "constantLiar", false, "gamma", 0.25);
        for (boolean enoughAtRungOne : new boolean[] {false, true}) {
            Bohb s = bohb(3, settings);
            int promoted = s.minResults() - (enoughAtRungOne ? 0 : 1);
            List<Candidate> initial = s.ask(40); // no model yet: uniform draws
            for (int i = 0; i < 40; i++) {
                Candidate c = initial.get(i);
                s.tell(c, at(i, 1, (filters(c) == 8 ? 0.5 : 0) + noise(c)), 0);
            }
            for (int i = 0; i < promoted; i++) {
                Candidate c = initial.get(i);
                s.tell(c, at(i, 2, (filters(c) == 16 ? 0.5 : 0) + noise(c)), 1);
            }
            assertThat(s.modelRung()).isEqualTo(enoughAtRungOne ? 1 : 0);
            assertThat(s.goodSet()).as("γ·n_b of the modelled rung").hasSize((int) Math.ceil(0.25 * (enoughAtRungOne ? promoted : 40)))
                    .allSatisfy(o -> assertThat(o.rung()).isEqualTo(enoughAtRungOne ? 1 : 0));
            double eight = shareWithEightFilters(s, 40);
            assertThat(s.modelSizes()).as("{good, bad}: the modelled rung's results, a promoted trial's rung-0 result too")
                    .satisfies(sizes -> assertThat(sizes[0] + sizes[1]).isEqualTo(enoughAtRungOne ? promoted : 40));
            if (enoughAtRungOne) {
                assertThat(eight).as("proposals follow rung 1").isLessThanOrEqualTo(0.2);
            } else {
                assertThat(eight).as("rung 1 has too few results: proposals follow rung 0").isGreaterThanOrEqualTo(0.8);
            }
        }
    }

    @Test
    void withTooFewResultsAtEveryRungProposalsAreThoseOfRandomSearch() {
        for (long seed = 1; seed <= 3; seed++) {
            Bohb bohb = bohb(seed, Map.of());
            SearchStrategy random = REGISTRY.create(context("random", seed, null, HYPERBAND));
            int below = bohb.minResults() - 1;
            List<Candidate> fromBohb = new ArrayList<>();
            List<Candidate> fromRandom = new ArrayList<>();
            for (int i = 0; i < below; i++) {
                Candidate c = bohb.ask(1).get(0);
                fromBohb.add(c);
                fromRandom.add(random.ask(1).get(0));
                bohb.tell(c, at(i, 1, filters(c) == 8 ? 0.9 : 0.1), 0);
                if (i % 2 == 0) {
                    bohb.tell(c, at(i, 2, 0.5), 1); // promoted: rung 1 below the threshold too
                }
            }
            fromBohb.addAll(bohb.ask(1));
            fromRandom.addAll(random.ask(1));
            assertThat(bohb.modelRung()).isEqualTo(-1);
            assertThat(fromBohb).as("seed %d", seed).isEqualTo(fromRandom);
        }
    }

    @Test
    void aFractionRhoOfProposalsIsUniformOnceTheModelExists() {
        Map<Double, Double> share = new HashMap<>();
        for (double rho : new double[] {0.0, 1.0 / 3, 1.0}) {
            double sum = 0;
            for (long seed = 1; seed <= 6; seed++) {
                Bohb s = bohb(seed, Map.of("randomFraction", rho, "constantLiar", false, "gamma", 0.25));
                for (int i = 0; i < 40; i++) {
                    Candidate c = s.ask(1).get(0);
                    s.tell(c, at(i, 1, (filters(c) == 16 ? 0.5 : 0) + noise(c)), 0);
                }
                sum += shareWithEightFilters(s, 50);
            }
            share.put(rho, sum / 6);
        }
        // 300 asks each: a uniform draw takes 8 filters half the time, the model's draws about one time in eight
        assertThat(share.get(1.0)).as("all uniform: %s", share).isBetween(0.42, 0.58);
        assertThat(share.get(0.0)).as("model only: %s", share).isLessThan(0.2);
        double expected = share.get(0.0) + (share.get(1.0) - share.get(0.0)) / 3;
        assertThat(share.get(1.0 / 3)).as("ρ = 1/3: %s", share).isBetween(expected - 0.07, expected + 0.07);
    }

    @Test
    void theContractsScheduledRunModelsRungZeroThenOneThenTwo() {
        // so the contract tests' determinism, replay and no-repeat checks cover the random start, each rung's model and the switches
        List<Object> log = new ArrayList<>();
        FidelityContractTest.run(StrategyContractTest.create("bohb", StrategyContractTest.TOY, 5), 90, log);
        Bohb replayed = (Bohb) StrategyContractTest.create("bohb", StrategyContractTest.TOY, 5);
        List<Integer> rungs = new ArrayList<>();
        for (Object call : log) {
            FidelityContractTest.replay(replayed, List.of(call));
            if (rungs.isEmpty() || rungs.get(rungs.size() - 1) != replayed.modelRung()) {
                rungs.add(replayed.modelRung());
            }
        }
        assertThat(rungs).as("the modelled rung over the run").containsExactly(-1, 0, 1, 2);
    }

    @Test
    void bohbIsRefusedWithoutAPromotingSchedulerAndItsSettingsAtTheirPaths() {
        assertThat(REGISTRY.validate(context("bohb", 1, null, SchedulerSpec.NONE))).extracting(ValidationError::toString)
                .containsExactly("scheduler.type: must be asha or hyperband for strategy bohb, which models the results of "
                        + "each rung (got none; without a scheduler choose tpe)");
        assertThat(REGISTRY.validate(context("bohb", 1, null, SchedulerSpec.of(
                new EarlyStoppingSpec(EarlyStoppingSpec.Rule.MEDIAN, null, null))))).extracting(ValidationError::path)
                .containsExactly("scheduler.type");
        assertThat(REGISTRY.validate(context("bohb", 1, null, HYPERBAND))).isEmpty();
        assertThat(REGISTRY.validate(context("bohb", 1, Map.of("randomFraction", 0.5, "minPoints", 4, "gamma", 0.15),
                StrategyContractTest.ASHA))).isEmpty();
        assertThat(REGISTRY.validate(context("bohb", 1, Map.of("randomFraction", 1.5, "minPoints", 0, "window", 2),
                SchedulerSpec.NONE))).extracting(ValidationError::path).containsExactlyInAnyOrder(
                "strategy.settings.randomFraction", "strategy.settings.minPoints", "strategy.settings.window", "scheduler.type");
        assertThat(REGISTRY.validate(context("bohb", 1, Map.of("randomFraction", Double.NaN), HYPERBAND)))
                .extracting(ValidationError::toString)
                .containsExactly("strategy.settings.randomFraction: must be a number in [0.0, 1.0] (got NaN)");
        assertThat(REGISTRY.validate(context("bohb", 1, Map.of("rho", 0.2), HYPERBAND))).singleElement()
                .satisfies(e -> assertThat(e.toString()).startsWith("strategy.settings.rho: unknown setting for strategy 'bohb'")
                        .contains("randomFraction", "minPoints", "gamma"));
        assertThat(REGISTRY.validate(context("tpe", 1, null, SchedulerSpec.NONE))).as("others need no scheduler").isEmpty();
    }

    @Test
    void minPointsSetsTheResultsARungNeeds() {
        Bohb byDimensions = bohb(1, Map.of());
        long varying = java.util.stream.IntStream.range(0, StrategyBehaviourTest.ENCODING.genes())
                .filter(g -> StrategyBehaviourTest.ENCODING.arity(g) > 1).count();
        assertThat(byDimensions.minResults()).as("N_min + 2, N_min = d + 1").isEqualTo((int) varying + 3);
        assertThat(bohb(1, Map.of("minPoints", 4)).minResults()).isEqualTo(6);
        assertThat(bohb(1, Map.of("minPoints", 1, "startupTrials", 10)).minResults()).isEqualTo(10);
    }
}
