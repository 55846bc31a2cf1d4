package org.naspipeline.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.naspipeline.api.BudgetSpec;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.config.Settings;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.worker.cpu.CpuSettings;
import org.naspipeline.worker.data.DatasetResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nas demo}: starts an in-process broker, the controller and N workers, submits an experiment through
 * Kafka, follows it to the end and prints the results table and {@code OUT/summary.json}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a real architecture search locally: broker, controller and workers in one process.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--trials", defaultValue = "4", description = "trials to run (default: ${DEFAULT-VALUE})")
    int trials;

    @Option(names = "--workers", defaultValue = "2", description = "workers, each one trial at a time (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--strategy", description = "search strategy (default: the spec's)")
    String strategy;

    @Option(names = "--out", description = "output directory (default: $XDG_STATE_HOME/nas/demo, else ~/.local/state/nas/demo)")
    Path out;

    @Option(names = "--data", description = "Fashion-MNIST directory (default: NAS_DATA_DIR, the full set, the bundled subset)")
    Path data;

    @Option(names = "--spec", defaultValue = "${env:NAS_HOME:-.}/examples/fashion-mnist.json", description = "experiment spec (default: ${DEFAULT-VALUE})")
    Path specFile;

    @Option(names = "--timeout", defaultValue = "30m", description = "give up after this long: 90s, 10m, 1h or ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration timeout;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws IOException {
        if (trials < 1 || workers < 1) {
            console.println("--trials and --workers must be ≥ 1");
            return 2;
        }
        if (!Files.isRegularFile(specFile)) {
            console.println(specFile + ": no such file");
            return 2;
        }
        ExperimentSpec spec;
        try {
            spec = JsonCodec.readSpec(Files.readAllBytes(specFile));
        } catch (InvalidInputException e) {
            console.println(specFile + " is invalid:");
            e.errors().forEach(err -> console.println("  " + err));
            return 2;
        }
        CpuSettings cpu; // the in-process workers' NAS_WORKER_CPUS / NAS_WORKER_THREADS / NAS_LATENCY_THREADS
        try {
            cpu = CpuSettings.from(Settings.fromEnvironment());
        } catch (IllegalArgumentException e) {
            console.println(e.getMessage());
            return 2;
        }
        String runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        spec = spec.withId("demo-" + runId).with(
                strategy == null ? spec.strategy() : new StrategySpec(strategy, spec.strategy().seed(), spec.strategy().settings()),
                new BudgetSpec(trials, workers, spec.budget().maxAttempts()));
        DatasetResolver.ResolvedDataset dataset = DatasetResolver.fromEnvironment().resolve(spec.dataset(), data);
        console.println("dataset: " + dataset);
        Path outDir = out != null ? out : NasPaths.state("demo");
        Files.createDirectories(outDir);
        Path work = outDir.resolve("run-" + runId);
        long start = System.nanoTime();
        console.printf("starting in-process Kafka, the controller and %d worker(s)…%n", workers);
        List<ExperimentEvent> events;
        // Ctrl-C: the broker's log and the controller's state go (they are large and of no use after the run);
        // the trained models stay. The controller and the broker stop first, or they write on while their files
        // are removed; the workers are not waited for (a trial in flight would hold Ctrl-C up to its grace period)
        java.util.concurrent.atomic.AtomicReference<EmbeddedKafka> broker = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<LocalPipeline> running = new java.util.concurrent.atomic.AtomicReference<>();
        Thread cleanup = new Thread(() -> {
            stopQuietly(running.get() == null ? null : running.get()::stopController);
            stopQuietly(broker.get() == null ? null : broker.get()::close);
            removeRunState(work);
        }, "nas-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0);
             LocalPipeline pipeline = new LocalPipeline(kafka.bootstrapServers(), workers, work, dataset.dir(), runId, cpu)) {
            broker.set(kafka);
            running.set(pipeline);
            pipeline.submit(spec);
            console.printf("submitted %s: %s search, %d trials, %d epoch(s) each, on %s%n", spec.id(),
                    spec.strategy().name(), trials, spec.training().epochs(), dataset);
            events = new ExperimentWatcher(kafka.bootstrapServers()).follow(spec.id(), timeout, this::show);
        } finally {
            removeRunState(work);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        DemoSummary summary = DemoSummary.from(spec.id(), spec.strategy().name(), dataset.toString(), wall, events);
        Path summaryFile = outDir.resolve("summary.json");
        Files.writeString(summaryFile, JsonCodec.writePretty(summary));
        printTable(summary);
        console.printf("wall time %.1f s; summary written to %s; trained models in %s%n", wall, summaryFile, work.resolve("artifacts"));
        return "completed".equals(summary.status()) ? 0 : 1;
    }

    /** Runs {@code stop} (null: nothing to stop), reporting rather than throwing what goes wrong. */
    private static void stopQuietly(Runnable stop) {
        if (stop == null) {
            return;
        }
        try {
            stop.run();
        } catch (RuntimeException e) {
            System.err.println("nas: while stopping: " + e.getMessage());
        }
    }

    /** Deletes the run's broker log and controller state, keeping its artifacts; what cannot be deleted stays. */
    static void removeRunState(Path work) {
        for (String dir : List.of("kafka", "state")) {
            removeTree(work.resolve(dir));
        }
    }

    /** Deletes {@code root} and everything below it, if it exists; what cannot be deleted stays. */
    static void removeTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("nas: could not remove " + root + ": " + e.getMessage());
        }
    }

    private void show(ExperimentEvent event) {
        if (event instanceof ExperimentEvent.TrialScheduled s) {
            console.printf("  scheduled %s (attempt %d): %s%n", s.trialId(), s.attempt(), s.candidate().architecture().summary());
        } else if (event instanceof ExperimentEvent.TrialFinished f) {
            String what = f.metrics() == null ? "FAILED: " + f.reason()
                    : String.format(Locale.ROOT, "validation accuracy %.4f, p50 %.2f ms, %,d bytes", f.metrics().accuracy(),
                            f.metrics().latencyMsP50(), f.metrics().sizeBytes());
            console.printf("[%d/%d] %s %s (best so far: %s)%n", f.completedTrials() + f.failedTrials(), f.maxTrials(),
                    f.trialId(), what, f.bestTrialId());
        } else if (event instanceof ExperimentEvent.Rejected r) {
            console.println("experiment rejected:");
            r.errors().forEach(e -> console.println("  " + e));
        }
    }

    private void printTable(DemoSummary s) {
        console.println();
        console.printf("%-28s %-9s %8s %8s %11s %12s %9s  %s%n", "trial", "status", "val acc", "test acc", "latency ms",
                "size bytes", "params", "architecture");
        for (DemoSummary.TrialRow r : s.trials()) {
            console.printf(Locale.ROOT, "%-28s %-9s %8s %8s %11s %12s %9s  %s%n", r.trialId(),
                    r.status().name().toLowerCase(Locale.ROOT),
                    r.accuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.accuracy()),
                    r.testAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.testAccuracy()),
                    r.latencyMsP50() == null ? "-" : String.format(Locale.ROOT, "%.3f", r.latencyMsP50()),
                    r.sizeBytes() == null ? "-" : r.sizeBytes(), r.params() == null ? "-" : r.params(),
                    r.candidate().architecture().summary());
        }
        if (s.best() != null) {
            console.printf(Locale.ROOT, "%nbest: %s validation accuracy %.4f, test accuracy %.4f (%s)%n", s.best().trialId(),
                    s.best().accuracy(), s.best().testAccuracy(), s.best().candidate().architecture().summary());
        }
    }
}
