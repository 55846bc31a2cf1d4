package org.naspipeline.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnSpace;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.IntRange;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.SearchStrategy;
import org.naspipeline.strategy.StrategyContext;
import org.naspipeline.strategy.StrategyRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one ask(1) + tell for each strategy after {@code history} results, on a joint CNN × compression
 * space of about 10^10 candidates (so random search never runs out). Two objectives (accuracy, latency), so
 * nsga2 and motpe rank a real front; single-objective strategies use the default scalarization. tpe and motpe
 * run with their defaults (a bad set from the last 1,000 results, a good set of at most 25).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class AskTellBenchmark {
    @Param({"random", "regularized-evolution", "reinforce", "nsga2", "tpe", "motpe"})
    String strategy;

    @Param({"1000", "10000", "100000"})
    int history;

    private SearchStrategy search;
    private int trial;

    static final SearchSpace SPACE = new SearchSpace(new CnnSpace(new IntRange(1, 5),
            new IntRange(1, 2), List.of(16, 32, 64), List.of(3, 5), List.of(ConvType.PLAIN, ConvType.DEPTHWISE_SEPARABLE),
            List.of(false, true), List.of(true), List.of(Pooling.MAX, Pooling.AVG), List.of(0, 64, 128),
            List.of(0.0, 0.2)),
            new CompressionSpace(List.of(PruningMethod.NONE, PruningMethod.L1_FILTER), List.of(0.3, 0.5),
                    List.of(Quantization.FP32, Quantization.INT8_PER_CHANNEL), null, null, null, null));

    /** Deterministic synthetic metrics: cheap, so the benchmark measures the strategy, not the evaluator. */
    static TrialResult evaluate(int trial, Candidate c) {
        int h = c.hashCode();
        double accuracy = ((h >>> 8) & 0xFFFF) / 65536.0;
        double latency = 1 + (h & 0xFF) / 32.0;
        return new TrialResult.Completed(1, "bench", "t" + trial, 1, "synthetic",
                TrialMetrics.synthetic(accuracy, latency, 0), null);
    }

    @Setup(Level.Trial)
    public void fillHistory() {
        ObjectivesSpec objectives = new ObjectivesSpec(List.of(new Objective(Objective.Metric.ACCURACY, null),
                new Objective(Objective.Metric.LATENCY_MS, null)), null, null);
        // maxTrials 1,000,000: the strategies take their large-budget defaults (P = 100, S = 25; nsga2 N = 100)
        search = StrategyRegistry.load().create(new StrategyContext(new StrategySpec(strategy, 1L, null), SPACE,
                objectives, 1_000_000));
        for (trial = 0; trial < history; ) {
            Candidate c = search.ask(1).get(0);
            search.tell(c, evaluate(++trial, c));
        }
    }

    @Benchmark
    public Candidate askTell() {
        Candidate c = search.ask(1).get(0);
        search.tell(c, evaluate(++trial, c));
        return c;
    }
}
