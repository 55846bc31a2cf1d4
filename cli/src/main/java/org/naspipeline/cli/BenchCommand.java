package org.naspipeline.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.strategy.bench.StrategyBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nas bench …}: benchmarks that print JSON, recorded in docs/benchmarks.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark and print its results as JSON.",
        subcommands = {BenchCommand.Strategies.class})
final class BenchCommand {

    /** {@code nas bench strategies}: search quality on problems with known optima. */
    @Command(name = "strategies", mixinStandardHelpOptions = true,
            description = "Search quality of every strategy over many seeds: trials to the top 1% of an NK landscape "
                    + "over a NAS-like space, and ZDT1 hypervolume. Synthetic, instant evaluation.")
    static final class Strategies implements Callable<Integer> {
        @Option(names = "--seeds", defaultValue = "" + StrategyBenchmark.DEFAULT_SEEDS, description = "seeds per strategy (default: ${DEFAULT-VALUE})")
        int seeds;

        @Option(names = "--nk-budget", defaultValue = "" + StrategyBenchmark.NK_BUDGET, description = "trial cap on the NK landscape (default: ${DEFAULT-VALUE})")
        int nkBudget;

        @Option(names = "--zdt-budget", defaultValue = "" + StrategyBenchmark.ZDT_BUDGET, description = "trials on ZDT1 (default: ${DEFAULT-VALUE})")
        int zdtBudget;

        @Override
        public Integer call() {
            StrategyRegistry registry = StrategyRegistry.load();
            StrategyBenchmark bench = new StrategyBenchmark(registry);
            List<StrategyBenchmark.NkResult> nk = new ArrayList<>();
            for (String s : registry.names()) {
                nk.add(bench.nk(s, seeds, nkBudget));
            }
            List<StrategyBenchmark.ZdtResult> zdt = new ArrayList<>();
            for (String s : List.of("random", "nsga2")) {
                zdt.add(bench.zdt(s, seeds, zdtBudget));
            }
            double randomMedian = nk.stream().filter(r -> r.strategy().equals("random")).findFirst().orElseThrow()
                    .medianTrialsToTop1Percent();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("benchmark", "strategies");
            Map<String, Object> nkOut = new LinkedHashMap<>();
            nkOut.put("k", StrategyBenchmark.NK_K);
            nkOut.put("candidates", StrategyBenchmark.nasLikeSpace().cardinality());
            nkOut.put("target", "top 1%");
            nkOut.put("results", nk);
            out.put("nkLandscape", nkOut);
            Map<String, Double> ratios = new LinkedHashMap<>();
            nk.forEach(r -> ratios.put(r.strategy(), r.medianTrialsToTop1Percent() / randomMedian));
            out.put("nkMedianTrialsRelativeToRandom", ratios);
            Map<String, Object> zdtOut = new LinkedHashMap<>();
            zdtOut.put("variables", 10);
            zdtOut.put("levels", 11);
            zdtOut.put("reference", StrategyBenchmark.ZDT_REFERENCE);
            zdtOut.put("wideReference", StrategyBenchmark.ZDT_WIDE_REFERENCE);
            zdtOut.put("results", zdt);
            out.put("zdt1", zdtOut);
            System.out.println(JsonCodec.writePretty(out));
            System.err.printf(Locale.ROOT, "NK top-1%%: %s%n", ratios);
            return 0;
        }
    }
}
