package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.space.SpaceEncoding;

/** What each learning strategy does with results, beyond the shared contract. */
class StrategyBehaviourTest {
    static final SpaceEncoding ENCODING = new SpaceEncoding(StrategyContractTest.TOY);

    static TrialResult result(int i, double accuracy) {
        return new TrialResult.Completed(1, "e", "t" + i, 1, "w",
                TrialMetrics.synthetic(accuracy, 1, 1), null);
    }

    /** Accuracy 1 when the first stage uses 16 filters, else 0: one decision decides everything. */
    static double oneGoodChoice(Candidate c) {
        return ((CnnArchitecture) c.architecture()).stages().get(0).filters() == 16 ? 1.0 : 0.0;
    }

    @Test
    void reinforceShiftsProbabilityTowardsTheRewardedChoice() {
        Reinforce r = (Reinforce) StrategyRegistry.load().create(new StrategyContext(
                new StrategySpec("reinforce", 1L, Map.of("learningRate", 0.3)), StrategyContractTest.TOY, ObjectivesSpec.DEFAULT, 200));
        int filtersGene = 2; // gene 0: stage count, 1: stage[0].blocks, 2: stage[0].filters
        assertThat(ENCODING.name(filtersGene)).isEqualTo("stage[0].filters");
        assertThat(r.policy(filtersGene)[1]).isEqualTo(0.5);
        for (int i = 0; i < 150; i++) {
            Candidate c = r.ask(1).get(0);
            r.tell(c, result(i, oneGoodChoice(c)));
        }
        assertThat(r.policy(filtersGene)[1]).isGreaterThan(0.9);
    }

    @Test
    void regularizedEvolutionMutatesOneDecisionOfATournamentWinner() {
        RegularizedEvolution re = (RegularizedEvolution) StrategyRegistry.load().create(new StrategyContext(
                new StrategySpec("regularized-evolution", 1L, Map.of("populationSize", 10, "sampleSize", 10)),
                StrategyContractTest.TOY, ObjectivesSpec.DEFAULT, 100));
        List<Candidate> initial = re.ask(10);
        Candidate best = initial.get(3);
        for (int i = 0; i < 10; i++) {
            re.tell(initial.get(i), result(i, initial.get(i) == best ? 0.9 : 0.1));
        }
        // S = P: the tournament always picks the best, so every child is one decision away from it
        for (Candidate child : re.ask(5)) {
            int[] a = ENCODING.encode(best);
            int[] b = ENCODING.encode(child);
            int differing = 0;
            for (int g = 0; g < a.length; g++) {
                differing += a[g] != b[g] ? 1 : 0;
            }
            assertThat(differing).as("decisions changed in %s", child.architecture().summary()).isBetween(1, 9);
            boolean stageCountChanged = a[0] != b[0];
            if (!stageCountChanged) {
                assertThat(differing).isEqualTo(1);
            }
        }
    }
}
