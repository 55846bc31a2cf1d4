package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every registered strategy told results at several rungs, as under ASHA or Hyperband. */
class FidelityContractTest {
    /** A told result: the trial's candidate, the result and its rung. */
    record Told(Candidate candidate, TrialResult result, int rung) {}

    static List<String> strategies() {
        return StrategyContractTest.strategies();
    }

    /**
     * Runs {@code trials} trials in rounds of 3 asks like a scheduler: each trial's rung-0 result is told at
     * once; a completed trial with accuracy ≥ 0.5 is promoted and its rung-1 result (accuracy × 0.8, attempt
     * 2) is told in the next round; one with rung-1 accuracy ≥ 0.6 reaches rung 2 (accuracy × 1.1, attempt
     * 3) the round after. Every call goes to {@code log} ({@code Integer} for an ask, {@link Told} for a tell).
     */
    static List<Candidate> run(SearchStrategy s, int trials, List<Object> log) {
        List<Candidate> asked = new ArrayList<>();
        List<Told> promoted = new ArrayList<>();
        int trial = 0;
        while (asked.size() < trials) {
            List<Candidate> batch = s.ask(Math.min(3, trials - asked.size()));
            log.add(batch.size());
            asked.addAll(batch);
            List<Told> due = new ArrayList<>(promoted);
            promoted.clear();
            for (Candidate c : batch) {
                due.add(new Told(c, StrategyContractTest.evaluate(++trial, c), 0));
            }
            for (Told t : due) {
                s.tell(t.candidate(), t.result(), t.rung());
                log.add(t);
                Told next = promotion(t);
                if (next != null) {
                    promoted.add(next);
                }
            }
        }
        return asked;
    }

    /** The result of the trial at the next rung, or null when it is not promoted (or failed, or at the top). */
    static Told promotion(Told t) {
        if (!(t.result() instanceof TrialResult.Completed c) || t.rung() == 2) {
            return null;
        }
        double accuracy = c.metrics().accuracy();
        if (accuracy < 0.5 + 0.1 * t.rung()) {
            return null;
        }
        double next = Math.min(1, accuracy * (t.rung() == 0 ? 0.8 : 1.1));
        TrialMetrics m = TrialMetrics.synthetic(next, c.metrics().latencyMsP50(), 4000);
        return new Told(t.candidate(), new TrialResult.Completed(1, "e", c.trialId(), c.attempt() + 1, "w", m, null),
                t.rung() + 1);
    }

    static void replay(SearchStrategy s, List<Object> log) {
        for (Object call : log) {
            if (call instanceof Integer n) {
                s.ask(n);
            } else {
                Told t = (Told) call;
                s.tell(t.candidate(), t.result(), t.rung());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void theSameSeedAndRungCallsGiveTheSameCandidates(String name) {
        List<Object> log = new ArrayList<>();
        SearchStrategy a = StrategyContractTest.create(name, StrategyContractTest.TOY, 5);
        List<Candidate> ca = run(a, 90, log);
        assertThat(log).as("trials promoted to rung 1 and 2")
                .anySatisfy(call -> assertThat(call).isInstanceOfSatisfying(Told.class, t -> assertThat(t.rung()).isEqualTo(1)))
                .anySatisfy(call -> assertThat(call).isInstanceOfSatisfying(Told.class, t -> assertThat(t.rung()).isEqualTo(2)));
        assertThat(new HashSet<>(ca)).as("no candidate twice").hasSize(90);
        SearchStrategy b = StrategyContractTest.create(name, StrategyContractTest.TOY, 5);
        assertThat(run(b, 90, new ArrayList<>())).isEqualTo(ca);
        SearchStrategy other = StrategyContractTest.create(name, StrategyContractTest.TOY, 6);
        assertThat(run(other, 90, new ArrayList<>())).isNotEqualTo(ca);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void aStrategyRebuiltByReplayingRungCallsContinuesIdentically(String name) {
        SearchStrategy original = StrategyContractTest.create(name, StrategyContractTest.TOY, 13);
        List<Object> log = new ArrayList<>();
        run(original, 45, log);
        SearchStrategy rebuilt = StrategyContractTest.create(name, StrategyContractTest.TOY, 13);
        replay(rebuilt, log);
        List<Object> after = new ArrayList<>();
        List<Candidate> expected = run(original, 30, after);
        assertThat(after).hasSizeGreaterThan(20);
        List<Object> rebuiltAfter = new ArrayList<>();
        assertThat(run(rebuilt, 30, rebuiltAfter)).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void repeatingARungResultChangesNothing(String name) {
        SearchStrategy once = StrategyContractTest.create(name, StrategyContractTest.TOY, 9);
        List<Object> log = new ArrayList<>();
        List<Candidate> a = run(once, 60, log);
        SearchStrategy twice = StrategyContractTest.create(name, StrategyContractTest.TOY, 9);
        List<Object> doubled = new ArrayList<>();
        for (Object call : log) {
            doubled.add(call);
            if (call instanceof Told) {
                doubled.add(call);
            }
        }
        List<Candidate> b = new ArrayList<>();
        for (Object call : doubled) {
            if (call instanceof Integer n) {
                b.addAll(twice.ask(n));
            } else {
                Told t = (Told) call;
                twice.tell(t.candidate(), t.result(), t.rung());
            }
        }
        assertThat(b).isEqualTo(a);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void aPlainTellIsATellAtRungZero(String name) {
        SearchStrategy plain = StrategyContractTest.create(name, StrategyContractTest.TOY, 17);
        SearchStrategy rungZero = StrategyContractTest.create(name, StrategyContractTest.TOY, 17);
        List<Candidate> a = StrategyContractTest.run(plain, 60, plain::tell, new ArrayList<>());
        List<Candidate> b = StrategyContractTest.run(rungZero, 60, (c, r) -> rungZero.tell(c, r, 0), new ArrayList<>());
        assertThat(b).isEqualTo(a);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void aNegativeRungIsRefused(String name) {
        SearchStrategy s = StrategyContractTest.create(name, StrategyContractTest.TOY, 1);
        Candidate c = s.ask(1).get(0);
        assertThatThrownBy(() -> s.tell(c, StrategyContractTest.evaluate(1, c), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("rung: must be at least 0 (got -1)");
        s.tell(c, StrategyContractTest.evaluate(1, c), 0);
        SearchStrategy untouched = StrategyContractTest.create(name, StrategyContractTest.TOY, 1);
        untouched.tell(untouched.ask(1).get(0), StrategyContractTest.evaluate(1, c), 0);
        assertThat(s.ask(5)).as("the refused call left nothing behind").isEqualTo(untouched.ask(5));
    }
}
