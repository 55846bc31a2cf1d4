package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.pareto.NonDominatedSorting;
import org.junit.jupiter.api.Test;

/** What each strategy does with a trial's results at several rungs: like with like, never the same trial twice. */
class FidelityBehaviourTest {
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();

    static TrialResult at(int trial, int attempt, double accuracy, double latency) {
        return new TrialResult.Completed(1, "e", "t" + trial, attempt, "w", TrialMetrics.synthetic(accuracy, latency, 1), null);
    }

    static SearchStrategy create(String name, Map<String, Object> settings, ObjectivesSpec objectives) {
        return REGISTRY.create(new StrategyContext(new StrategySpec(name, 1L, settings), StrategyContractTest.TOY, objectives, 100));
    }

    /**
     * Whether {@code child} is {@code parent} with one decision changed: one gene, or the stage count, which
     * also changes the genes of the second stage (TOY has at most two).
     */
    static boolean oneDecisionFrom(Candidate parent, Candidate child) {
        int[] a = StrategyBehaviourTest.ENCODING.encode(parent);
        int[] b = StrategyBehaviourTest.ENCODING.encode(child);
        int differing = 0;
        for (int g = 0; g < a.length; g++) {
            boolean secondStage = StrategyBehaviourTest.ENCODING.name(g).startsWith("stage[1]");
            differing += a[g] != b[g] && !(a[0] != b[0] && secondStage) ? 1 : 0;
        }
        return differing == 1;
    }

    @Test
    void evolutionReplacesAMemberInPlaceAndARungOneResultWinsEveryTournament() {
        RegularizedEvolution re = (RegularizedEvolution) create("regularized-evolution",
                Map.of("populationSize", 10, "sampleSize", 10), ObjectivesSpec.DEFAULT);
        List<Candidate> initial = re.ask(10);
        for (int i = 0; i < 10; i++) {
            re.tell(initial.get(i), at(i, 1, i == 3 ? 0.9 : i == 0 ? 0.1 : 0.5, 1));
        }
        assertThat(re.ask(5)).noneMatch(child -> oneDecisionFrom(initial.get(0), child));

        // the oldest trial, the worst at rung 0, is promoted and is worse still at rung 1: it wins anyway
        re.tell(initial.get(0), at(0, 2, 0.05, 1), 1);
        assertThat(re.members()).as("replaced, not added").isEqualTo(10);
        // a tournament samples with replacement, so it misses t0 with probability 0.9^10 ≈ 0.35; at rung 0 it
        // would win only a tournament that sampled nothing else (0.1^10)
        List<Candidate> children = re.ask(8);
        assertThat(children.stream().filter(child -> oneDecisionFrom(initial.get(0), child)).count())
                .as("children of the rung-1 member").isGreaterThanOrEqualTo(4);

        // it kept its age: it is still the oldest, so the next result takes its place
        re.tell(children.get(0), at(10, 1, 0.2, 1));
        assertThat(re.members()).isEqualTo(10);
        assertThat(re.holds("t0")).isFalse();
        assertThat(re.holds("t1")).isTrue();
        assertThat(re.holds("t10")).isTrue();
    }

    @Test
    void evolutionDoesNotGrowBeforeThePopulationIsFull() {
        RegularizedEvolution re = (RegularizedEvolution) create("regularized-evolution",
                Map.of("populationSize", 10, "sampleSize", 5), ObjectivesSpec.DEFAULT);
        List<Candidate> initial = re.ask(4);
        for (int i = 0; i < 4; i++) {
            re.tell(initial.get(i), at(i, 1, 0.5, 1));
        }
        re.tell(initial.get(1), at(1, 2, 0.6, 1), 1);
        re.tell(initial.get(1), at(1, 3, 0.7, 1), 2);
        assertThat(re.members()).isEqualTo(4);
    }

    @Test
    void nsga2ReplacesTheMemberAndRanksARungOneResultAboveEveryRungZeroFront() {
        Nsga2 nsga2 = (Nsga2) create("nsga2", Map.of("populationSize", 8), StrategyContractTest.TWO_OBJECTIVES);
        List<Candidate> initial = nsga2.ask(8);
        for (int i = 0; i < 8; i++) {
            nsga2.tell(initial.get(i), at(i, 1, 0.5 + 0.05 * i, 1 + i)); // a front of 8: accuracy against latency
        }
        assertThat(nsga2.rankOf("t0")).isZero();
        nsga2.tell(initial.get(0), at(0, 2, 0.1, 50), 1); // dominated by every rung-0 member
        assertThat(nsga2.members()).isEqualTo(8);
        assertThat(nsga2.rankOf("t0")).isZero();
        for (int i = 1; i < 8; i++) {
            assertThat(nsga2.rankOf("t" + i)).as("t%d", i).isEqualTo(1);
        }
        // rung-0 results that dominate it push rung-0 members out, never it
        for (int i = 8; i < 30; i++) {
            Candidate c = nsga2.ask(1).get(0);
            nsga2.tell(c, at(i, 1, 0.95, 0.5));
        }
        assertThat(nsga2.members()).isEqualTo(8);
        assertThat(nsga2.rankOf("t0")).isZero();
    }

    @Test
    void rankingByLevelSortsEachLevelAloneHighestFirst() {
        double[][] objectives = {{1, 1}, {0, 0}, {2, 2}, {3, 0}, {0, 3}};
        double[] violation = new double[5];
        NonDominatedSorting.Ranking byLevel = NonDominatedSorting.rank(objectives, violation, new int[] {2, 0, 2, 1, 1});
        assertThat(byLevel.rank()).containsExactly(0, 3, 1, 2, 2);
        assertThat(byLevel.crowding()[0]).isInfinite();
        NonDominatedSorting.Ranking plain = NonDominatedSorting.rank(objectives, violation);
        NonDominatedSorting.Ranking oneLevel = NonDominatedSorting.rank(objectives, violation, new int[] {4, 4, 4, 4, 4});
        assertThat(oneLevel.rank()).containsExactly(plain.rank());
        assertThat(oneLevel.crowding()).containsExactly(plain.crowding());
    }

    @Test
    void reinforceJudgesARewardOnlyAgainstItsOwnRung() {
        Reinforce r = (Reinforce) create("reinforce", Map.of("learningRate", 0.3), ObjectivesSpec.DEFAULT);
        int filtersGene = 2;
        List<Candidate> rungZero = r.ask(6);
        for (int i = 0; i < 6; i++) {
            r.tell(rungZero.get(i), at(i, 1, 0.9, 1));
        }
        double[] before = r.policy(filtersGene);

        // the first rung-1 result, far below every rung-0 reward, sets rung 1's baseline and teaches nothing
        r.tell(withFilters(rungZero.get(0), 0), at(0, 2, 0.1, 1), 1);
        assertThat(r.policy(filtersGene)).containsExactly(before);

        // a better rung-1 result is an advantage, though its reward is below every rung-0 one
        r.tell(withFilters(rungZero.get(1), 1), at(1, 2, 0.2, 1), 1);
        assertThat(r.policy(filtersGene)[1]).isGreaterThan(before[1] + 0.05);
    }

    /** {@code c} with stage 0's filters set to value {@code index} of the space's list. */
    static Candidate withFilters(Candidate c, int index) {
        int[] x = StrategyBehaviourTest.ENCODING.encode(c);
        x[2] = index;
        return StrategyBehaviourTest.ENCODING.decode(x);
    }

    /**
     * Asks and tells 20 trials at rung 0: trial i has accuracy 0.3 + 0.03·i and latency 1 + i, but trial 7,
     * the worst, has accuracy 0.01 and latency {@code latency7}.
     */
    static List<Candidate> twentyTrials(SearchStrategy s, double latency7) {
        List<Candidate> asked = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Candidate c = s.ask(1).get(0);
            asked.add(c);
            s.tell(c, i == 7 ? at(i, 1, 0.01, latency7) : at(i, 1, 0.3 + 0.03 * i, 1 + i));
        }
        return asked;
    }

    @Test
    void tpeReplacesTheObservationAndPutsTheRungOneResultInTheGoodSet() {
        AbstractTpe tpe = (AbstractTpe) create("tpe", Map.of("constantLiar", false), ObjectivesSpec.DEFAULT);
        List<Candidate> asked = twentyTrials(tpe, 1);
        assertThat(tpe.goodSet()).extracting(AbstractTpe.Observation::sequence).containsExactly(19L, 18L);

        tpe.tell(asked.get(7), at(7, 2, 0.02, 1), 1);
        assertThat(tpe.observations()).isEqualTo(20);
        assertThat(tpe.goodSet()).extracting(AbstractTpe.Observation::sequence).containsExactly(7L, 19L);
        assertThat(tpe.goodSet().get(0).rung()).isEqualTo(1);
        tpe.ask(1);
        assertThat(tpe.modelSizes()).as("{good, bad}: still 20 observations").containsExactly(2, 18);

        // outside the contract, and ignored: a lower rung after a higher one, a failure after a result
        tpe.tell(asked.get(7), at(7, 3, 0.99, 1), 0);
        tpe.tell(asked.get(7), new TrialResult.Failed(1, "e", "t7", 4, "w", "lost", false), 2);
        assertThat(tpe.goodSet().get(0)).satisfies(o -> {
            assertThat(o.sequence()).isEqualTo(7L);
            assertThat(o.rung()).isEqualTo(1);
            assertThat(o.score()).isEqualTo(0.02);
        });
        assertThat(tpe.observations()).isEqualTo(20);
    }

    @Test
    void motpeReplacesTheObservationAndPutsTheRungOneResultInTheFirstFront() {
        AbstractTpe motpe = (AbstractTpe) create("motpe", Map.of("constantLiar", false), StrategyContractTest.TWO_OBJECTIVES);
        List<Candidate> asked = twentyTrials(motpe, 90);
        assertThat(motpe.goodSet()).extracting(AbstractTpe.Observation::sequence).doesNotContain(7L);

        motpe.tell(asked.get(7), at(7, 2, 0.02, 80), 1); // dominated by every rung-0 result
        assertThat(motpe.observations()).isEqualTo(20);
        assertThat(motpe.goodSet()).extracting(AbstractTpe.Observation::sequence).contains(7L);
        assertThat(motpe.goodSet().get(0).rung()).isEqualTo(1);
    }
}
