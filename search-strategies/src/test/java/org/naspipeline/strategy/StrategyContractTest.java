package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.CnnSpace;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.IntRange;
import org.naspipeline.api.MlpSpace;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;

/** Every registered strategy, on toy spaces: the properties the controller relies on. */
class StrategyContractTest {
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();
    /** A joint CNN × compression space: 1–2 stages, 16 configs per stage, 2 heads, 2×2 compression → 4352 candidates. */
    static final SearchSpace TOY = new SearchSpace(new CnnSpace(new IntRange(1, 2),
            new IntRange(1, 1), List.of(8, 16), List.of(3, 5), List.of(ConvType.PLAIN, ConvType.DEPTHWISE_SEPARABLE),
            List.of(false, true), null, null, List.of(0, 32), null),
            new CompressionSpace(List.of(PruningMethod.NONE, PruningMethod.L1_FILTER), List.of(0.5),
                    List.of(Quantization.FP32, Quantization.INT8_PER_TENSOR), null, null, null, null));
    /** 2 × 2 × 3 = 12 MLP candidates, to exhaust. */
    static final SearchSpace TINY = new SearchSpace(new MlpSpace(new IntRange(1, 2), List.of(16, 32), null, List.of(0.0, 0.2, 0.4)), null);
    static final ObjectivesSpec TWO_OBJECTIVES = new ObjectivesSpec(List.of(
            new Objective(Objective.Metric.ACCURACY, null), new Objective(Objective.Metric.LATENCY_MS, null)), null, null);

    static List<String> strategies() {
        return REGISTRY.names();
    }

    /** ASHA with its defaults: every strategy works under it, and {@code bohb} needs a scheduler that promotes. */
    static final SchedulerSpec ASHA = new SchedulerSpec(SchedulerSpec.Type.ASHA, null, null, null, null, null);

    static SearchStrategy create(String name, SearchSpace space, long seed) {
        return REGISTRY.create(new StrategyContext(new StrategySpec(name, seed, null), space, TWO_OBJECTIVES, 60, ASHA));
    }

    /** A deterministic stand-in for training: metrics are a function of the candidate; every 7th trial fails. */
    static TrialResult evaluate(int trial, Candidate c) {
        String id = "t" + trial;
        if (trial % 7 == 0) {
            return new TrialResult.Failed(1, "e", id, 1, "w", "synthetic failure", trial % 14 == 0);
        }
        long h = Long.parseUnsignedLong(c.canonicalHash().substring(0, 12), 16);
        double accuracy = (h % 1000) / 1000.0;
        double latency = 1 + ((h >>> 10) % 1000) / 100.0;
        return new TrialResult.Completed(1, "e", id, 1, "w",
                TrialMetrics.synthetic(accuracy, latency, 4000), null);
    }

    /** Runs {@code trials} trials in rounds of 3 asks, telling each result through {@code tell}. */
    static List<Candidate> run(SearchStrategy s, int trials, BiConsumer<Candidate, TrialResult> tell, List<Object[]> log) {
        List<Candidate> asked = new ArrayList<>();
        int trial = 0;
        while (asked.size() < trials) {
            List<Candidate> batch = s.ask(Math.min(3, trials - asked.size()));
            log.add(new Object[] {"ask", batch.size()});
            asked.addAll(batch);
            for (Candidate c : batch) {
                TrialResult r = evaluate(++trial, c);
                tell.accept(c, r);
                log.add(new Object[] {"tell", c, r});
            }
        }
        return asked;
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void theSameSeedAndCallsGiveTheSameCandidates(String name) {
        SearchStrategy a = create(name, TOY, 5);
        SearchStrategy b = create(name, TOY, 5);
        List<Candidate> ca = run(a, 60, a::tell, new ArrayList<>());
        assertThat(run(b, 60, b::tell, new ArrayList<>())).isEqualTo(ca);
        SearchStrategy other = create(name, TOY, 6);
        assertThat(run(other, 60, other::tell, new ArrayList<>())).isNotEqualTo(ca);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void tellingAResultTwiceChangesNothing(String name) {
        SearchStrategy once = create(name, TOY, 9);
        SearchStrategy twice = create(name, TOY, 9);
        List<Candidate> a = run(once, 60, once::tell, new ArrayList<>());
        List<Candidate> b = run(twice, 60, (c, r) -> {
            twice.tell(c, r);
            twice.tell(c, r);
        }, new ArrayList<>());
        assertThat(b).isEqualTo(a);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void aStrategyRebuiltByReplayingItsCallsContinuesIdentically(String name) {
        SearchStrategy original = create(name, TOY, 13);
        List<Object[]> log = new ArrayList<>();
        run(original, 30, original::tell, log);

        SearchStrategy rebuilt = create(name, TOY, 13); // as after a crash: same seed, replay the recorded calls
        for (Object[] call : log) {
            if (call[0].equals("ask")) {
                rebuilt.ask((Integer) call[1]);
            } else {
                rebuilt.tell((Candidate) call[1], (TrialResult) call[2]);
            }
        }
        for (int round = 0; round < 10; round++) {
            List<Candidate> expected = original.ask(3);
            assertThat(rebuilt.ask(3)).isEqualTo(expected);
            for (int i = 0; i < expected.size(); i++) {
                TrialResult r = evaluate(100 + round * 3 + i, expected.get(i));
                original.tell(expected.get(i), r);
                rebuilt.tell(expected.get(i), r);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void failedTrialsDoNotStopTheSearchAndNothingRepeatsBeforeExhaustion(String name) {
        SearchStrategy s = create(name, TOY, 21);
        List<Candidate> asked = run(s, 120, s::tell, new ArrayList<>()); // every 7th fails
        assertThat(new HashSet<>(asked)).hasSize(120);

        SearchStrategy tiny = create(name, TINY, 3);
        assertThat(TINY.cardinality().intValue()).isEqualTo(18);
        List<Candidate> all = run(tiny, 18, tiny::tell, new ArrayList<>());
        assertThat(new HashSet<>(all)).as("every candidate once before any repeat").hasSize(18);
        assertThat(tiny.ask(2)).hasSize(2).allSatisfy(c -> assertThat(all).contains(c));
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void invalidSettingsAreRejectedWithTheirPath(String name) {
        StrategyContext bogus = new StrategyContext(new StrategySpec(name, 1L, Map.of("bogus", 1)), TOY, TWO_OBJECTIVES, 60, ASHA);
        assertThat(REGISTRY.validate(bogus)).extracting(ValidationError::path).containsExactly("strategy.settings.bogus");
        StrategyContext ok = new StrategyContext(new StrategySpec(name, 1L, null), TOY, TWO_OBJECTIVES, 60, ASHA);
        assertThat(REGISTRY.validate(ok)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void candidatesStayInsideTheSpace(String name) {
        SearchStrategy s = create(name, TOY, 2);
        org.naspipeline.strategy.space.SpaceEncoding encoding = new org.naspipeline.strategy.space.SpaceEncoding(TOY);
        Set<Integer> stageCounts = new HashSet<>();
        for (Candidate c : run(s, 60, s::tell, new ArrayList<>())) {
            assertThat(encoding.decode(encoding.encode(c))).isEqualTo(c);
            stageCounts.add(((CnnArchitecture) c.architecture()).stages().size());
            assertThat(((CnnArchitecture) c.architecture()).stages()).allSatisfy(st -> assertThat(st.pooling()).isEqualTo(Pooling.MAX));
        }
        assertThat(stageCounts).containsExactlyInAnyOrder(1, 2);
    }
}
