package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.space.SpaceEncoding;

/** A warm start: every strategy seeded with an earlier experiment's results (see {@link SearchStrategy#seed}). */
class SeedingContractTest {
    /** {@code n} distinct candidates of {@code encoding}'s space, drawn with a fixed seed. */
    static List<Candidate> distinct(SpaceEncoding encoding, int n) {
        SplittableRandom rnd = new SplittableRandom(99);
        Set<Long> seen = new HashSet<>();
        List<Candidate> out = new ArrayList<>();
        while (out.size() < n) {
            int[] x = encoding.sample(rnd);
            if (seen.add(encoding.key(x))) {
                out.add(encoding.decode(x));
            }
        }
        return out;
    }

    static TrialResult.Completed earlier(int i, double accuracy) {
        return new TrialResult.Completed(1, "earlier", "earlier-t" + i, 1, "w", TrialMetrics.synthetic(accuracy, 2.0, 4000), null);
    }

    static void seedAll(SearchStrategy s, List<Candidate> seeds) {
        for (int i = 0; i < seeds.size(); i++) {
            s.seed(seeds.get(i), earlier(i, 0.1 + 0.8 * i / seeds.size()), 0);
        }
    }

    @ParameterizedTest
    @MethodSource("org.naspipeline.strategy.StrategyContractTest#strategies")
    void seededCandidatesAreNotProposedAgainUntilTheSpaceIsExhausted(String name) {
        SpaceEncoding tiny = new SpaceEncoding(StrategyContractTest.TINY); // 12 candidates
        List<Candidate> seeds = distinct(tiny, 5);
        SearchStrategy s = StrategyContractTest.create(name, StrategyContractTest.TINY, 3);
        seedAll(s, seeds);
        List<Candidate> asked = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            asked.addAll(s.ask(1));
        }
        assertThat(asked).doesNotContainAnyElementsOf(seeds).doesNotHaveDuplicates();
        // the 12 are now handed out or seeded: a new sweep may repeat them
        assertThat(s.ask(1)).hasSize(1);
    }

    @ParameterizedTest
    @MethodSource("org.naspipeline.strategy.StrategyContractTest#strategies")
    void theSameSeedsAndCallsGiveTheSameCandidates(String name) {
        List<Candidate> seeds = distinct(new SpaceEncoding(StrategyContractTest.TOY), 30);
        SearchStrategy a = StrategyContractTest.create(name, StrategyContractTest.TOY, 11);
        SearchStrategy b = StrategyContractTest.create(name, StrategyContractTest.TOY, 11);
        seedAll(a, seeds);
        seedAll(b, seeds);
        assertThat(a.ask(6)).isEqualTo(b.ask(6));
        // a repeated seed (same trialId and attempt) changes nothing
        SearchStrategy c = StrategyContractTest.create(name, StrategyContractTest.TOY, 11);
        seedAll(c, seeds);
        seedAll(c, seeds);
        SearchStrategy d = StrategyContractTest.create(name, StrategyContractTest.TOY, 11);
        seedAll(d, seeds);
        assertThat(c.ask(6)).isEqualTo(d.ask(6));
    }

    @ParameterizedTest
    @MethodSource("org.naspipeline.strategy.StrategyContractTest#strategies")
    void aCandidateOutsideTheSpaceIsRefusedAndLeavesNothingBehind(String name) {
        Candidate outside = distinct(new SpaceEncoding(StrategyContractTest.TOY), 1).get(0); // a CNN, TINY is MLP
        SearchStrategy s = StrategyContractTest.create(name, StrategyContractTest.TINY, 5);
        assertThatThrownBy(() -> s.seed(outside, earlier(0, 0.9), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("architecture.family");
        assertThat(s.ask(4)).isEqualTo(StrategyContractTest.create(name, StrategyContractTest.TINY, 5).ask(4));
    }

    @Test
    void regularizedEvolutionMutatesTheSeededBestStraightAway() {
        SpaceEncoding toy = new SpaceEncoding(StrategyContractTest.TOY);
        List<Candidate> seeds = distinct(toy, 64); // a full default population
        SearchStrategy seeded = StrategyContractTest.create("regularized-evolution", StrategyContractTest.TOY, 1);
        seedAll(seeded, seeds); // accuracy grows with the index: the last seeds are the best
        int neighbours = 0;
        List<Candidate> first = seeded.ask(20);
        for (Candidate c : first) {
            int[] x = toy.encode(c);
            boolean oneStepFromASeed = seeds.stream().anyMatch(sd -> differences(toy, toy.encode(sd), x) == 1);
            neighbours += oneStepFromASeed ? 1 : 0;
        }
        // every proposal is a one-gene mutation of a seeded member (or, rarely, a random unseen fallback)
        assertThat(neighbours).isGreaterThanOrEqualTo(18);
        SearchStrategy cold = StrategyContractTest.create("regularized-evolution", StrategyContractTest.TOY, 1);
        List<Candidate> coldFirst = cold.ask(20);
        long coldNeighbours = coldFirst.stream()
                .filter(c -> seeds.stream().anyMatch(sd -> differences(toy, toy.encode(sd), toy.encode(c)) == 1)).count();
        assertThat(coldNeighbours).isLessThan(neighbours);
    }

    private static int differences(SpaceEncoding e, int[] a, int[] b) {
        int[] x = e.canonical(a);
        int[] y = e.canonical(b);
        int d = 0;
        for (int g = 0; g < x.length; g++) {
            d += x[g] != y[g] ? 1 : 0;
        }
        return d;
    }
}
