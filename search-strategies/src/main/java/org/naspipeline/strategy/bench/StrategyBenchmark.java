package org.naspipeline.strategy.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnSpace;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.IntRange;
import org.naspipeline.api.MlpSpace;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.ParameterSpec;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.SearchStrategy;
import org.naspipeline.strategy.StrategyContext;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.strategy.pareto.Hypervolume;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * Benchmarks strategies on problems with known optima, over many seeds, with instant synthetic evaluation
 * (metrics labelled {@code device = "synthetic"}; no model is trained):
 * <ul>
 *   <li>trials until the first candidate in the top 1% of an NK landscape (K = 2) over a NAS-like CNN space of
 *       663,552 candidates, whose threshold is found by evaluating every candidate;</li>
 *   <li>hypervolume after a budget on discretized ZDT1 (10 variables × 11 levels), against its exact front.</li>
 * </ul>
 */
public final class StrategyBenchmark {
    /** Seeds per strategy in the recorded benchmark and the quality tests. */
    public static final int DEFAULT_SEEDS = 21;
    /** Trial cap of the NK benchmark (also the strategies' maxTrials, which sizes their defaults). */
    public static final int NK_BUDGET = 200;
    /** Trials of the ZDT1 benchmark. */
    public static final int ZDT_BUDGET = 500;
    /** Interaction order of the NK landscape. */
    public static final int NK_K = 2;
    private final StrategyRegistry registry;
    /** Top-1% thresholds by landscape seed: enumerating a landscape is the costly part, shared by strategies. */
    private final Map<Long, Double> thresholds = new java.util.HashMap<>();

    /** Benchmarks the strategies in {@code registry}. */
    public StrategyBenchmark(StrategyRegistry registry) {
        this.registry = registry;
    }

    /** Single-objective result of one strategy: trials to reach the top 1%, per seed and as the median. */
    public record NkResult(String strategy, int seeds, int budget, double medianTrialsToTop1Percent,
                           double reachedFraction, int[] trialsPerSeed) {}

    /**
     * Multi-objective result of one strategy: hypervolume after the budget, against the customary reference
     * (1.1, 1.1), which only near-front points reach, and against a wide one (1.1, 11) that every point reaches.
     */
    public record ZdtResult(String strategy, int seeds, int budget, double medianHypervolume,
                            double optimalHypervolume, double medianRatioToOptimal,
                            double medianWideHypervolume, double optimalWideHypervolume) {}

    /** The customary ZDT1 reference point. */
    public static final double[] ZDT_REFERENCE = Zdt1.REFERENCE;
    /** A reference every ZDT1 point dominates (f2 ≤ g ≤ 10), so progress far from the front also counts. */
    public static final double[] ZDT_WIDE_REFERENCE = {1.1, 11};

    /** The NAS-like space of the NK benchmark: 3 stages × 48 stage configs × 6 heads. */
    public static SearchSpace nasLikeSpace() {
        return new SearchSpace(new CnnSpace(new IntRange(3, 3), new IntRange(1, 1),
                List.of(16, 32, 64), List.of(3, 5), List.of(ConvType.PLAIN, ConvType.DEPTHWISE_SEPARABLE),
                List.of(false, true), List.of(true), List.of(Pooling.MAX, Pooling.AVG),
                List.of(0, 64, 128), List.of(0.0, 0.2)), CompressionSpace.NONE);
    }

    /** The ZDT1 space: ten integer parameters x0..x9 in [0, 10] and a fixed one-layer MLP. */
    public static SearchSpace zdtSpace() {
        Map<String, ParameterSpec> params = new TreeMap<>();
        for (int i = 0; i < 10; i++) {
            params.put("x" + i, new ParameterSpec(ParameterSpec.Type.INT, null, 0.0, 10.0, null));
        }
        return new SearchSpace(new MlpSpace(new IntRange(1, 1), List.of(8), null, null), CompressionSpace.NONE, new TreeMap<>(params));
    }

    /** Runs the NK benchmark for one strategy with its default settings. */
    public NkResult nk(String strategy, int seeds, int budget) {
        return nk(strategy, Map.of(), seeds, budget);
    }

    /** Runs the NK benchmark for one strategy with the given settings. */
    public NkResult nk(String strategy, Map<String, Object> settings, int seeds, int budget) {
        return nk(strategy, settings, seeds, budget, 1000, 0);
    }

    /**
     * Runs the NK benchmark on other landscapes: seed s uses landscape {@code firstLandscape + s} and strategy
     * seed {@code firstStrategySeed + s}. For checking that settings tuned on the default seeds carry over.
     */
    public NkResult nk(String strategy, Map<String, Object> settings, int seeds, int budget, long firstLandscape,
                       long firstStrategySeed) {
        SearchSpace space = nasLikeSpace();
        SpaceEncoding encoding = new SpaceEncoding(space);
        int[] trials = new int[seeds];
        int reached = 0;
        for (int s = 0; s < seeds; s++) {
            long landscapeSeed = firstLandscape + s;
            NkLandscape landscape = new NkLandscape(encoding, NK_K, landscapeSeed);
            double threshold = thresholds.computeIfAbsent(landscapeSeed, k -> landscape.topThreshold(0.01));
            SearchStrategy strategyInstance = create(strategy, settings, space, ObjectivesSpec.DEFAULT, budget,
                    firstStrategySeed + s);
            trials[s] = budget + 1; // censored: not reached within the budget
            for (int t = 1; t <= budget; t++) {
                Candidate c = strategyInstance.ask(1).get(0);
                double f = landscape.fitness(encoding.encode(c));
                strategyInstance.tell(c, completed(t, metrics(f, 0, 0)));
                if (f >= threshold) {
                    trials[s] = t;
                    reached++;
                    break;
                }
            }
        }
        return new NkResult(strategy, seeds, budget, median(Arrays.stream(trials).asDoubleStream().toArray()),
                (double) reached / seeds, trials);
    }

    /** Runs the ZDT1 benchmark for one strategy with its default settings. */
    public ZdtResult zdt(String strategy, int seeds, int budget) {
        return zdt(strategy, Map.of(), seeds, budget);
    }

    /** Runs the ZDT1 benchmark for one strategy with the given settings. */
    public ZdtResult zdt(String strategy, Map<String, Object> settings, int seeds, int budget) {
        SearchSpace space = zdtSpace();
        Zdt1 zdt = new Zdt1(10);
        ObjectivesSpec objectives = new ObjectivesSpec(List.of(
                new Objective(Objective.Metric.LATENCY_MS, Objective.Goal.MINIMIZE),
                new Objective(Objective.Metric.SIZE_BYTES, Objective.Goal.MINIMIZE)), null, null);
        double optimal = Hypervolume.of(zdt.front(), Zdt1.REFERENCE);
        double optimalWide = Hypervolume.of(zdt.front(), ZDT_WIDE_REFERENCE);
        double[] hv = new double[seeds];
        double[] wide = new double[seeds];
        for (int s = 0; s < seeds; s++) {
            SearchStrategy strategyInstance = create(strategy, settings, space, objectives, budget, s);
            List<double[]> seen = new ArrayList<>();
            for (int t = 1; t <= budget; t++) {
                Candidate c = strategyInstance.ask(1).get(0);
                int[] v = new int[10];
                for (int i = 0; i < 10; i++) {
                    v[i] = ((Number) c.parameters().get("x" + i)).intValue();
                }
                double[] f = zdt.objectives(v);
                seen.add(f);
                strategyInstance.tell(c, completed(t, metrics(0, f[0], Math.round(f[1] * 1e6))));
            }
            hv[s] = Hypervolume.of(seen, Zdt1.REFERENCE);
            wide[s] = Hypervolume.of(seen, ZDT_WIDE_REFERENCE);
        }
        double med = median(hv);
        return new ZdtResult(strategy, seeds, budget, med, optimal, med / optimal, median(wide), optimalWide);
    }

    private SearchStrategy create(String strategy, Map<String, Object> settings, SearchSpace space,
                                  ObjectivesSpec objectives, int budget, long seed) {
        // every result is told at rung 0, as under ASHA before any promotion; only bohb reads the scheduler
        StrategyContext context = new StrategyContext(new StrategySpec(strategy, seed, settings), space, objectives, budget,
                new SchedulerSpec(SchedulerSpec.Type.ASHA, null, null, null, null, null));
        List<org.naspipeline.api.ValidationError> errors = registry.validate(context);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("strategy " + strategy + ": " + errors);
        }
        return registry.create(context);
    }

    /** Synthetic measurements: only the fields a benchmark sets mean anything. */
    static TrialMetrics metrics(double accuracy, double latencyMs, long sizeBytes) {
        return TrialMetrics.synthetic(accuracy, latencyMs, sizeBytes);
    }

    static TrialResult completed(int trial, TrialMetrics metrics) {
        return new TrialResult.Completed(1, "bench", "bench-t" + trial, 1, "synthetic", metrics, null);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
