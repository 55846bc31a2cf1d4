package org.naspipeline.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.worker.data.DatasetResolver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nas bench search}: search strategies and ASHA against each other on one wall-clock budget, for real. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Random search, regularized evolution (re) and regularized evolution with ASHA (re-asha), one after "
                + "the other on the same space, seed and wall-clock budget, each with its own real DJL worker processes: "
                + "the best test accuracy within the spec's constraints, trials started and completed, CPU seconds, and "
                + "the anytime curve. Prints JSON; writes search.json and the plot search.svg to --out.")
final class BenchSearchCommand implements Callable<Integer> {
    @Option(names = "--budget", defaultValue = "30m", description = "wall-clock budget of each arm: 90s, 30m, 1h (default: ${DEFAULT-VALUE})")
    Duration budget;

    @Option(names = "--seed", description = "seed of every arm's strategy (default: the spec's)")
    Long seed;

    @Option(names = "--arms", split = ",", defaultValue = "random,re,re-asha",
            description = "arms to run, in this order, of random, re, re-asha and tpe (default: ${DEFAULT-VALUE})")
    List<String> arms;

    @Option(names = "--workers", defaultValue = "2", description = "worker processes per arm, one slot each (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--spec", defaultValue = "${env:NAS_HOME:-.}/examples/search-bench.json",
            description = "the re-asha arm's spec: space, constraints, training, ASHA (default: ${DEFAULT-VALUE})")
    Path specFile;

    @Option(names = "--data", description = "Fashion-MNIST directory (default: NAS_DATA_DIR, the full set, the bundled subset)")
    Path data;

    @Option(names = "--out", description = "where search.json and search.svg go (default: $XDG_STATE_HOME/nas/bench-search, "
            + "else ~/.local/state/nas/bench-search)")
    Path out;

    @picocli.CommandLine.Mixin
    BenchCommand.JsonOnly output;

    @Override
    public Integer call() throws Exception {
        if (budget.toSeconds() < 1 || workers < 1) {
            throw bad("--budget must be at least 1s and --workers at least 1");
        }
        for (String arm : arms) {
            if (!SearchBenchmark.ARMS.contains(arm)) {
                throw bad("--arms: unknown arm '" + arm + "' (known: " + String.join(", ", SearchBenchmark.ARMS) + ")");
            }
        }
        if (arms.stream().distinct().count() != arms.size()) {
            throw bad("--arms: an arm is listed twice");
        }
        ExperimentSpec spec;
        try {
            spec = JsonCodec.readSpec(Files.readAllBytes(specFile));
        } catch (InvalidInputException e) {
            throw bad("--spec " + specFile + " is invalid: " + e.errors());
        } catch (java.io.IOException e) {
            throw bad("--spec " + specFile + ": cannot read it (" + e.getMessage() + ")");
        }
        boolean examples = spec.scheduler().countsExamples();
        String problem = examples ? null : SearchBenchmark.problem(spec, 0);
        if (problem != null) {
            throw bad("--spec " + specFile + ": " + problem);
        }
        DatasetResolver.ResolvedDataset where;
        try {
            where = DatasetResolver.fromEnvironment().resolve(spec.dataset(), data);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        if (examples) { // rungs of training examples are checked against the training set's size: loading it tells
            int trainCount;
            try {
                trainCount = org.naspipeline.worker.data.Datasets.load(spec.dataset(), where.dir()).train().count();
            } catch (java.io.IOException e) {
                throw bad("cannot read the training set in " + where.dir() + ": " + e.getMessage());
            }
            problem = SearchBenchmark.problem(spec, trainCount);
            if (problem != null) {
                throw bad("--spec " + specFile + ": " + problem);
            }
        }
        Path outDir = out != null ? out : NasPaths.state("bench-search");
        Files.createDirectories(outDir);
        SearchBenchmark.Settings settings = new SearchBenchmark.Settings(spec, List.copyOf(arms), budget,
                seed != null ? seed : spec.strategy().seed() != null ? spec.strategy().seed() : 1L, workers, where.dir(),
                where.toString());
        SearchBenchmark.Result r = BenchCommand.inTempDirectory("search", dir -> SearchBenchmark.run(dir, settings, output.progress()));
        if (r == null) {
            return 1;
        }
        Path svg = outDir.resolve("search.svg");
        Files.writeString(svg, SearchBenchmark.plot(r));
        r = SearchBenchmark.withPlot(r, svg.toAbsolutePath().toString());
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("benchmark", "search");
        json.put("result", r);
        String text = JsonCodec.writePretty(json);
        Files.writeString(outDir.resolve("search.json"), text);
        System.out.println(text);
        for (SearchBenchmark.Arm a : r.arms()) {
            output.say("%-8s best test accuracy %s (validation %s), %d trials started, %d completed, %.0f worker CPU-s",
                    a.arm(), a.best() == null ? "-" : String.format(java.util.Locale.ROOT, "%.4f", a.best().testAccuracy()),
                    a.best() == null ? "-" : String.format(java.util.Locale.ROOT, "%.4f", a.best().accuracy()),
                    a.trialsStarted(), a.trialsCompleted(), a.workerCpuSeconds());
        }
        output.say("plot: %s", svg);
        return 0;
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(new CommandLine(this), message);
    }
}
