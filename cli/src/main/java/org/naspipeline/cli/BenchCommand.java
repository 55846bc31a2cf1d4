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
        subcommands = {BenchCommand.Strategies.class, BenchCommand.Trial.class, BenchCommand.Controller.class, BenchCommand.Workers.class,
                BenchCommand.Compression.class, BenchCommand.Failover.class, BenchCommand.Colocation.class,
                BenchSearchCommand.class})
final class BenchCommand {

    /** Prints {@code {"benchmark": name, "result": result}} as JSON on standard output. */
    static void printJson(String name, Object result) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", name);
        out.put("result", result);
        System.out.println(JsonCodec.writePretty(out));
    }

    /**
     * {@code --json}, the same for every benchmark: standard output always carries the JSON; without the option a
     * readable summary (and, for long benchmarks, progress) goes to standard error as well.
     */
    static final class JsonOnly {
        @Option(names = "--json", description = "JSON only: no summary or progress lines on stderr (stdout always carries the JSON)")
        boolean json;

        /** Where a benchmark's progress goes: stderr, or nowhere with {@code --json}. */
        java.io.PrintStream progress() {
            return json ? new java.io.PrintStream(java.io.OutputStream.nullOutputStream()) : System.err;
        }

        /** Prints a summary or progress line on stderr unless {@code --json}. */
        void say(String format, Object... args) {
            if (!json) {
                System.err.printf(Locale.ROOT, format + "%n", args);
            }
        }
    }

    /** A benchmark of worker processes whose logs go to a directory. */
    interface FleetRun<R> {
        R run(java.nio.file.Path dir) throws Exception;
    }

    /**
     * Runs {@code run} in a new temporary directory; a failure it reports (IllegalStateException, with the workers'
     * log tails) is printed with the directory, and null returned.
     */
    static <R> R inTempDirectory(String name, FleetRun<R> run) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("nas-bench-" + name);
        try {
            return run.run(dir);
        } catch (IllegalStateException e) {
            System.err.println("nas bench " + name + ": " + e.getMessage() + "\n(worker logs in " + dir + ")");
            return null;
        }
    }

    /** {@code nas bench controller}: control-plane throughput and reaction latency with instant synthetic trials. */
    @Command(name = "controller", mixinStandardHelpOptions = true,
            description = "Results/s ingested end to end and result → next-request latency, with instant synthetic "
                    + "trials against an in-process broker. Prints JSON.")
    static final class Controller implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        JsonOnly output;

        @Option(names = "--trials", defaultValue = "40000", description = "trials (default: ${DEFAULT-VALUE})")
        int trials;

        @Option(names = "--parallelism", defaultValue = "400", description = "trials in flight; enough to keep the "
                + "controller busy through its commit cycle (default: ${DEFAULT-VALUE})")
        int parallelism;

        @Option(names = "--strategy", defaultValue = "random", description = "strategy (default: ${DEFAULT-VALUE})")
        String strategy;

        @Option(names = "--spec", defaultValue = "${env:NAS_HOME:-.}/examples/multi-objective.json", description = "space and settings to use (default: ${DEFAULT-VALUE})")
        java.nio.file.Path specFile;

        @Option(names = "--warmup-trials", description = "results left out of the steady-state figures, as JIT warm-up "
                + "(default: a quarter of --trials)")
        Integer warmupTrials;

        @Option(names = "--commit-interval-ms", defaultValue = "100", description = "the controller's commit interval "
                + "(NAS_CONTROLLER_COMMIT_INTERVAL_MS; default: ${DEFAULT-VALUE})")
        int commitIntervalMs;

        @Option(names = "--streams-metrics", description = "print the controller's Kafka Streams thread, fetch and producer metrics to stderr at the end")
        boolean streamsMetrics;

        @Override
        public Integer call() throws Exception {
            org.naspipeline.api.ExperimentSpec spec = JsonCodec.readSpec(java.nio.file.Files.readAllBytes(specFile))
                    .withId("bench-" + System.currentTimeMillis())
                    .with(new org.naspipeline.api.StrategySpec(strategy, 1L, null),
                            new org.naspipeline.api.BudgetSpec(trials, parallelism, 1));
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("nas-bench-controller");
            ControllerBenchmark.Result r = ControllerBenchmark.run(dir, spec,
                    warmupTrials == null ? trials / 4 : warmupTrials, commitIntervalMs, streamsMetrics);
            printJson("controller", r);
            output.say("%.0f results/s overall, %.0f results/s after %d warm-up results; "
                    + "reaction p50 %.1f ms, p99 %.1f ms; CPU %.2f cores, %.3f ms per result (stream thread %.3f ms)",
                    r.resultsPerSecond(), r.steadyResultsPerSecond(), r.warmupTrials(), r.reactionMsP50(), r.reactionMsP99(),
                    r.processCpuCores(), r.processCpuMsPerResult(), r.streamThreadCpuMsPerResult());
            return 0;
        }
    }

    /** {@code nas bench workers}: scheduling efficiency and idle fraction of a worker fleet. */
    @Command(name = "workers", mixinStandardHelpOptions = true,
            description = "W one-slot workers × N synthetic trials of fixed length under the real controller: "
                    + "scheduling efficiency (ideal / actual makespan) and worker idle fraction. Prints JSON.")
    static final class Workers implements Callable<Integer> {
        @Option(names = "--workers", defaultValue = "4", description = "workers (default: ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--trials", defaultValue = "80", description = "trials (default: ${DEFAULT-VALUE})")
        int trials;

        @Option(names = "--trial-ms", defaultValue = "1000", description = "length of a synthetic trial (default: ${DEFAULT-VALUE})")
        long trialMillis;

        @Option(names = "--parallelism", description = "trials in flight (default: 2 × workers)")
        Integer parallelism;

        @Option(names = "--partitions", description = "partitions of the pipeline topics (default: 2 × workers)")
        Integer partitions;

        @Option(names = "--spec", defaultValue = "${env:NAS_HOME:-.}/examples/multi-objective.json", description = "space to sample (default: ${DEFAULT-VALUE})")
        java.nio.file.Path specFile;

        @picocli.CommandLine.Mixin
        JsonOnly output;

        @Override
        public Integer call() throws Exception {
            int inFlight = parallelism != null ? parallelism : 2 * workers;
            int parts = partitions != null ? partitions : 2 * workers;
            org.naspipeline.api.ExperimentSpec spec = JsonCodec.readSpec(java.nio.file.Files.readAllBytes(specFile))
                    .withId("bench-workers-" + System.currentTimeMillis())
                    .with(new org.naspipeline.api.StrategySpec("random", 1L, null),
                            new org.naspipeline.api.BudgetSpec(trials, inFlight, 1));
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("nas-bench-workers");
            WorkersBenchmark.Result r = WorkersBenchmark.run(dir, spec, workers, parts, trialMillis);
            printJson("workers", r);
            output.say("efficiency %.3f (end to end %.3f), idle %.3f", r.efficiency(), r.endToEndEfficiency(), r.idleFraction());
            return 0;
        }
    }

    /** {@code nas bench failover}: how soon a SIGKILLed worker's trial restarts on another worker. */
    @Command(name = "failover", mixinStandardHelpOptions = true,
            description = "W real worker processes (synthetic evaluator) on a fresh in-process broker per run: a long "
                    + "trial starts on one, that worker is SIGKILLed, and the time until the trial's started event from "
                    + "another worker is measured. Prints each run and the median as JSON.")
    static final class Failover implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        JsonOnly output;

        @Option(names = "--runs", defaultValue = "5", description = "kills measured (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--workers", defaultValue = "2", description = "worker processes per run (default: ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--partitions", description = "partitions of the pipeline topics (default: 2 × workers)")
        Integer partitions;

        @Option(names = "--trial-ms", defaultValue = "600000", description = "length of the synthetic trial; longer "
                + "than any failover (default: ${DEFAULT-VALUE})")
        long trialMillis;

        @Option(names = "--kafka-client", paramLabel = "PROPERTY=VALUE", description = "a Kafka client property for the "
                + "workers, as NAS_KAFKA_CLIENT_* passes it (repeatable), e.g. session.timeout.ms=45000")
        List<String> kafkaClient;

        @Option(names = "--broker", paramLabel = "PROPERTY=VALUE", description = "a broker property of the in-process "
                + "broker (repeatable), e.g. group.consumer.min.session.timeout.ms=6000")
        List<String> broker;

        @Option(names = "--static-membership", description = "give each worker group.instance.id = its worker id")
        boolean staticMembership;

        @Option(names = "--restart-timeout-s", defaultValue = "180", description = "give up a run after this long "
                + "without a restart (default: ${DEFAULT-VALUE})")
        int restartTimeoutSeconds;

        @Override
        public Integer call() throws Exception {
            if (runs < 1 || workers < 2) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--runs must be ≥ 1 and --workers ≥ 2 (a failover needs a second worker)");
            }
            int parts = partitions != null ? partitions : 2 * workers;
            FailoverBenchmark.Settings settings;
            try {
                settings = new FailoverBenchmark.Settings(runs, workers, parts, trialMillis,
                        FailoverBenchmark.pairs("--kafka-client", kafkaClient), FailoverBenchmark.pairs("--broker", broker),
                        staticMembership, java.time.Duration.ofSeconds(restartTimeoutSeconds));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
            }
            FailoverBenchmark.Settings chosen = settings;
            FailoverBenchmark.Result r = inTempDirectory("failover", dir -> FailoverBenchmark.run(dir, chosen, output.progress()));
            if (r == null) {
                return 1;
            }
            printJson("failover", r);
            output.say("kill → restart elsewhere: median %.2f s (min %.2f, max %.2f) over %d runs",
                    r.medianSeconds(), r.minSeconds(), r.maxSeconds(), r.runs().size());
            return 0;
        }
    }

    /** {@code nas bench colocation}: N co-located DJL workers against one worker using every core. */
    @Command(name = "colocation", mixinStandardHelpOptions = true,
            description = "N real DJL worker processes on this machine against one worker using all cores, on the same "
                    + "trials: aggregate training samples/s and the latency p50 and CV of each candidate under each "
                    + "setup, with default settings (and, unless --no-oversubscribed, each worker on every core as before "
                    + "thread budgets). Prints JSON.")
    static final class Colocation implements Callable<Integer> {
        @Option(names = "--workers", defaultValue = "2", description = "co-located worker processes (default: ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--trials", defaultValue = "2", description = "rounds of the candidates per worker (default: ${DEFAULT-VALUE})")
        int trials;

        @Option(names = "--candidate", description = "candidate JSON, repeatable (default: examples/candidates/cnn-small.json "
                + "and examples/candidates/cnn-ds.json)")
        List<java.nio.file.Path> candidates;

        @Option(names = "--data", description = "Fashion-MNIST directory (default: NAS_DATA_DIR, the full set, the bundled subset)")
        java.nio.file.Path data;

        @Option(names = "--train-limit", defaultValue = "4000", description = "training examples (default: ${DEFAULT-VALUE})")
        int trainLimit;

        @Option(names = "--test-limit", defaultValue = "1000", description = "test examples (default: ${DEFAULT-VALUE})")
        int testLimit;

        @Option(names = "--epochs", defaultValue = "1", description = "epochs per trial (default: ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--rounds", defaultValue = "2", description = "times each setup runs, alternating (default: ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--no-oversubscribed", negatable = false,
                description = "skip the setup with every worker on every core")
        boolean noOversubscribed;

        @picocli.CommandLine.Mixin
        JsonOnly output;

        @Override
        public Integer call() throws Exception {
            if (workers < 2 || trials < 1 || rounds < 1 || epochs < 1 || trainLimit < 100 || testLimit < 10) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--workers must be ≥ 2, --trials, --rounds and --epochs ≥ 1, --train-limit ≥ 100, --test-limit ≥ 10");
            }
            List<java.nio.file.Path> files = candidates != null ? candidates
                    : List.of(NasPaths.bundled("examples/candidates/cnn-small.json"), NasPaths.bundled("examples/candidates/cnn-ds.json"));
            Map<String, org.naspipeline.api.Candidate> read = new LinkedHashMap<>();
            for (java.nio.file.Path f : files) {
                String name = f.getFileName().toString().replaceAll("\\.json$", "");
                try {
                    read.put(name, JsonCodec.readCandidate(java.nio.file.Files.readAllBytes(f)));
                } catch (java.io.IOException | RuntimeException e) {
                    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                            "--candidate " + f + ": " + e.getMessage());
                }
            }
            ColocationBenchmark.Settings settings = new ColocationBenchmark.Settings(workers, trials, read,
                    new org.naspipeline.api.DatasetSpec("fashion-mnist", trainLimit, testLimit),
                    new org.naspipeline.api.TrainingSpec(epochs, 64, 0.002, "adam"), data, rounds, !noOversubscribed);
            ColocationBenchmark.Result r = inTempDirectory("colocation", dir -> ColocationBenchmark.run(dir, settings, output.progress()));
            if (r == null) {
                return 1;
            }
            printJson("colocation", r);
            for (ColocationBenchmark.Summary s : r.summary()) {
                output.say("%-14s training %.0f samples/s (%.2f× one, paired %.2f×), wall %.0f samples/s "
                            + "(%.2f×), latency p50 %s ms, ratio to one %s, paired %s", s.setup(), s.trainingSamplesPerSecond(),
                            s.trainingRatio(), s.pairedTrainingRatio(), s.wallSamplesPerSecond(), s.wallRatio(), s.latencyMsP50(),
                            s.latencyRatio(), s.pairedLatencyRatio());
            }
            return 0;
        }
    }

    /** {@code nas bench trial}: the trial pipeline's training throughput against a bare DJL loop. */
    @Command(name = "trial", mixinStandardHelpOptions = true,
            description = "Training samples/s of the trial pipeline vs a bare DJL loop, same model, data and threads, "
                    + "alternating rounds. Prints JSON.")
    static final class Trial implements Callable<Integer> {
        @Option(names = "--candidate", defaultValue = "${env:NAS_HOME:-.}/examples/candidates/cnn-small.json", description = "candidate JSON (default: ${DEFAULT-VALUE})")
        java.nio.file.Path candidate;

        @Option(names = "--data", description = "Fashion-MNIST directory (default: NAS_DATA_DIR, the full set, the bundled subset)")
        java.nio.file.Path data;

        @Option(names = "--train-limit", defaultValue = "5000", description = "training examples (default: ${DEFAULT-VALUE})")
        int trainLimit;

        @Option(names = "--batch-size", defaultValue = "64", description = "batch size (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--rounds", defaultValue = "5", description = "epochs of each loop, alternating (default: ${DEFAULT-VALUE})")
        int rounds;

        @picocli.CommandLine.Mixin
        JsonOnly output;

        @Override
        public Integer call() throws Exception {
            // before the engine loads: the thread budget of one slot (NAS_WORKER_CPUS / NAS_WORKER_THREADS apply)
            org.naspipeline.worker.cpu.WorkerCpu cpu;
            try {
                cpu = org.naspipeline.worker.cpu.WorkerCpu.open(
                        org.naspipeline.worker.cpu.CpuSettings.from(org.naspipeline.api.config.Settings.fromEnvironment()), 1);
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                System.err.println(e.getMessage()); // names the variable to fix
                return 2;
            }
            org.naspipeline.api.DatasetSpec spec = new org.naspipeline.api.DatasetSpec("fashion-mnist", trainLimit, 100);
            org.naspipeline.worker.data.DatasetResolver.ResolvedDataset where =
                    org.naspipeline.worker.data.DatasetResolver.fromEnvironment().resolve(spec, data);
            org.naspipeline.worker.data.DatasetSplits splits = org.naspipeline.worker.data.Datasets.load(spec, where.dir());
            org.naspipeline.api.Candidate c = JsonCodec.readCandidate(java.nio.file.Files.readAllBytes(candidate));
            org.naspipeline.worker.pipeline.TrainingThroughputBenchmark.Result r =
                    new org.naspipeline.worker.pipeline.TrainingThroughputBenchmark(ai.djl.Device.cpu(), cpu).run(c, splits, batchSize, rounds);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("benchmark", "trial");
            out.put("dataset", where.toString());
            out.put("result", r);
            System.out.println(JsonCodec.writePretty(out));
            output.say("pipeline / bare loop = %.3f (%.0f vs %.0f samples/s)", r.ratio(), r.pipelineMedian(), r.bareMedian());
            return 0;
        }
    }

    /** {@code nas bench compression}: every compression stage's before/after figures on a reference CNN. */
    @Command(name = "compression", mixinStandardHelpOptions = true,
            description = "Trains a reference CNN, compresses it with each stage alone and combined (accuracy, params, "
                    + "MACs, bytes, latency before/after; latency ratios measured side by side), and runs a "
                    + "distillation experiment over several seeds. Prints JSON.")
    static final class Compression implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        JsonOnly output;

        @Option(names = "--candidate", defaultValue = "${env:NAS_HOME:-.}/examples/candidates/cnn-small.json", description = "reference candidate JSON (default: ${DEFAULT-VALUE})")
        java.nio.file.Path candidate;

        @Option(names = "--student", defaultValue = "{\"family\":\"cnn\",\"stages\":[{\"blocks\":1,\"filters\":8,\"kernelSize\":3,"
                + "\"convType\":\"plain\",\"skip\":false,\"batchNorm\":true,\"pooling\":\"max\"}],\"head\":{\"denseUnits\":0,\"dropout\":0.0}}",
                description = "student architecture JSON for the distillation experiment (default: one 8-filter stage, no hidden dense layer)")
        String student;

        @Option(names = "--data", description = "Fashion-MNIST directory (default: NAS_DATA_DIR, the full set, the bundled subset)")
        java.nio.file.Path data;

        @Option(names = "--train-limit", defaultValue = "10000", description = "training examples, 10%% held out (default: ${DEFAULT-VALUE})")
        int trainLimit;

        @Option(names = "--test-limit", defaultValue = "2000", description = "test examples (default: ${DEFAULT-VALUE})")
        int testLimit;

        @Option(names = "--epochs", defaultValue = "3", description = "training epochs of the reference and the students (default: ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--fine-tune-epochs", defaultValue = "2", description = "fine-tuning epochs (default: ${DEFAULT-VALUE})")
        int fineTuneEpochs;

        @Option(names = "--seeds", defaultValue = "3", description = "seeds of the distillation experiment (default: ${DEFAULT-VALUE})")
        int seeds;

        @Option(names = "--latency-rounds", defaultValue = "5", description = "alternating latency rounds of 200 runs (default: ${DEFAULT-VALUE})")
        int latencyRounds;

        @Option(names = "--out", description = "artifact directory (default: $XDG_STATE_HOME/nas/bench-compression, "
                + "else ~/.local/state/nas/bench-compression)")
        java.nio.file.Path out;

        @Override
        public Integer call() throws Exception {
            org.naspipeline.api.Candidate reference = JsonCodec.readCandidate(java.nio.file.Files.readAllBytes(candidate));
            org.naspipeline.api.ArchitectureSpec studentArch = JsonCodec.readCandidate(("{\"architecture\": " + student + "}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)).architecture();
            org.naspipeline.worker.pipeline.CompressionBenchmark.Result r =
                    new org.naspipeline.worker.pipeline.CompressionBenchmark(ai.djl.Device.cpu()).run(
                            new org.naspipeline.worker.pipeline.CompressionBenchmark.Settings(reference, studentArch, data,
                                    trainLimit, testLimit, epochs, fineTuneEpochs, seeds, latencyRounds,
                                    out != null ? out : NasPaths.state("bench-compression")),
                            line -> output.say("%s", line));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("benchmark", "compression");
            json.put("result", r);
            System.out.println(JsonCodec.writePretty(json));
            return 0;
        }
    }

    /** {@code nas bench strategies}: search quality on problems with known optima. */
    @Command(name = "strategies", mixinStandardHelpOptions = true,
            description = "Search quality of every strategy over many seeds: trials to the top 1%% of an NK landscape "
                    + "over a NAS-like space, and ZDT1 hypervolume. Synthetic, instant evaluation.")
    static final class Strategies implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        JsonOnly output;

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
            for (String s : List.of("random", "nsga2", "motpe")) {
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
            output.say("NK top-1%%: %s", ratios);
            return 0;
        }
    }
}
