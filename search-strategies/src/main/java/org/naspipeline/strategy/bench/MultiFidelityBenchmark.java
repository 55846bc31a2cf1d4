package org.naspipeline.strategy.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.SearchStrategy;
import org.naspipeline.strategy.StrategyContext;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * Strategies under Hyperband on a synthetic multi-fidelity problem: the NK landscape of {@link StrategyBenchmark}
 * is the full-fidelity score, and a rung of e epochs measures it with Gaussian noise of deviation
 * σ·(1 − e/top) (σ = 0.1, about the spread of the landscape's scores), so the top rung is exact and the first
 * rung ranks candidates loosely. With a {@code bias} β the low rungs also mislead: a rung of e epochs measures
 * (1 − w)·truth + w·other, w = β·(1 − e/top), other an unrelated NK landscape. One simulated worker runs Hyperband's brackets of asynchronous successive
 * halving (rungs 1, 3, 9, 27 epochs, η = 3, 3 brackets, bracket b starting at rung b, new trials dealt to the
 * brackets in turn); a promotion trains only the epochs between its rungs. Statistic: epochs spent until a
 * candidate of the top 1% has a top-rung result, capped at the budget.
 */
public final class MultiFidelityBenchmark {
    /** Epochs to spend per run. */
    public static final int BUDGET_EPOCHS = 2000;
    /** Noise at zero epochs, shrinking linearly to none at the top rung. */
    static final double NOISE = 0.1;
    static final SchedulerSpec HYPERBAND = new SchedulerSpec(SchedulerSpec.Type.HYPERBAND, 3, 1, 27, null, null);
    private final StrategyRegistry registry;

    /** Benchmarks the strategies in {@code registry}. */
    public MultiFidelityBenchmark(StrategyRegistry registry) {
        this.registry = registry;
    }

    /** One strategy's runs: epochs to a top-1% candidate confirmed at the top rung, per seed and as the median. */
    public record Result(String strategy, Map<String, Object> settings, String scheduler, double bias, int seeds, int budgetEpochs, double medianEpochsToTop1Percent,
                         double reachedFraction, double medianTrials, int[] epochsPerSeed) {}

    /** A trial as the simulated scheduler holds it: its candidate, bracket, and score per rung reached. */
    private record Trial(int id, Candidate candidate, int bracket, List<Double> scores) {
        int highest() {
            return bracket + scores.size() - 1;
        }
    }

    /** Runs {@code strategy} with {@code settings} on {@code seeds} landscapes, low rungs biased by {@code bias}. */
    public Result run(String strategy, Map<String, Object> settings, int seeds, int budgetEpochs, double bias) {
        SearchSpace space = StrategyBenchmark.nasLikeSpace();
        SpaceEncoding encoding = new SpaceEncoding(space);
        int[] rungEpochs = HYPERBAND.rungEpochs(null);
        int brackets = HYPERBAND.bracketCount(null);
        int eta = HYPERBAND.reductionFactor();
        int[] epochs = new int[seeds];
        double[] trialCounts = new double[seeds];
        int reached = 0;
        for (int s = 0; s < seeds; s++) {
            NkLandscape landscape = new NkLandscape(encoding, StrategyBenchmark.NK_K, 1000 + s);
            NkLandscape other = new NkLandscape(encoding, StrategyBenchmark.NK_K, 500_000 + s);
            double threshold = landscape.topThreshold(0.01);
            SplittableRandom noise = new SplittableRandom(9000 + s);
            StrategyContext context = new StrategyContext(new StrategySpec(strategy, (long) s, settings), space,
                    ObjectivesSpec.DEFAULT, budgetEpochs / rungEpochs[0], HYPERBAND);
            if (!registry.validate(context).isEmpty()) {
                throw new IllegalArgumentException("strategy " + strategy + ": " + registry.validate(context));
            }
            SearchStrategy search = registry.create(context);
            List<Trial> trials = new ArrayList<>();
            int spent = 0;
            epochs[s] = budgetEpochs + 1; // censored
            while (spent < budgetEpochs) {
                Trial t = promotable(trials, rungEpochs.length, brackets, eta);
                int rung;
                if (t == null) {
                    t = new Trial(trials.size(), search.ask(1).get(0), trials.size() % brackets, new ArrayList<>());
                    trials.add(t);
                    rung = t.bracket();
                    spent += rungEpochs[rung];
                } else {
                    rung = t.highest() + 1;
                    spent += rungEpochs[rung] - rungEpochs[rung - 1];
                }
                int[] genes = encoding.encode(t.candidate());
                double truth = landscape.fitness(genes);
                double below = 1 - (double) rungEpochs[rung] / rungEpochs[rungEpochs.length - 1];
                double w = bias * below;
                double score = (1 - w) * truth + (w > 0 ? w * other.fitness(genes) : 0) + NOISE * below * gaussian(noise);
                t.scores().add(score);
                search.tell(t.candidate(), new TrialResult.Completed(1, "bench", "bench-t" + t.id(), t.scores().size(),
                        "synthetic", StrategyBenchmark.metrics(score, 0, 0), null), rung);
                if (rung == rungEpochs.length - 1 && truth >= threshold && spent <= budgetEpochs) {
                    epochs[s] = spent;
                    reached++;
                    break;
                }
            }
            trialCounts[s] = trials.size();
        }
        return new Result(strategy, settings, "hyperband", bias, seeds, budgetEpochs,
                StrategyBenchmark.median(Arrays.stream(epochs).asDoubleStream().toArray()), (double) reached / seeds,
                StrategyBenchmark.median(trialCounts), epochs);
    }

    /**
     * ASHA's rule per bracket: from the highest rung down, the first trial among the top ⌊n/η⌋ of the n results at
     * its rung whose highest rung that is; null when none.
     */
    private static Trial promotable(List<Trial> trials, int rungs, int brackets, int eta) {
        for (int k = rungs - 2; k >= 0; k--) {
            for (int b = 0; b <= Math.min(k, brackets - 1); b++) {
                final int rung = k;
                final int bracket = b;
                List<Trial> at = new ArrayList<>(trials.stream()
                        .filter(t -> t.bracket() == bracket && t.highest() >= rung).toList());
                at.sort((x, y) -> Double.compare(y.scores().get(rung - bracket), x.scores().get(rung - bracket)));
                for (int i = 0; i < at.size() / eta; i++) {
                    if (at.get(i).highest() == k) {
                        return at.get(i);
                    }
                }
            }
        }
        return null;
    }

    private static double gaussian(SplittableRandom rnd) {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    /**
     * Prints bohb (with its defaults, then modelling from 3 results with no uniform share, which isolates the
     * per-rung model), tpe and random under Hyperband as JSON, with unbiased low rungs, then with low rungs
     * biased by 0.5: {@code [seeds] [budget epochs]}.
     */
    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : StrategyBenchmark.DEFAULT_SEEDS;
        int budget = args.length > 1 ? Integer.parseInt(args[1]) : BUDGET_EPOCHS;
        MultiFidelityBenchmark bench = new MultiFidelityBenchmark(StrategyRegistry.load());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "strategies-multi-fidelity");
        out.put("rungEpochs", HYPERBAND.rungEpochs(null));
        out.put("noiseAtZeroEpochs", NOISE);
        List<Result> results = new ArrayList<>();
        for (double bias : new double[] {0, 0.5}) {
            results.add(bench.run("bohb", Map.of(), seeds, budget, bias));
            results.add(bench.run("bohb", new java.util.TreeMap<>(Map.of("minPoints", 1, "randomFraction", 0.0)), seeds,
                    budget, bias));
            results.add(bench.run("tpe", Map.of(), seeds, budget, bias));
            results.add(bench.run("random", Map.of(), seeds, budget, bias));
        }
        out.put("results", results);
        System.out.println(JsonCodec.writePretty(out));
    }
}
