package org.naspipeline.cli;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.naspipeline.api.BudgetSpec;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.strategy.StrategyRegistry;

/**
 * {@code nas bench search}: random search, regularized evolution, regularized evolution with ASHA and, when asked
 * for, TPE on the same space, seed and wall-clock budget, through the real pipeline: an in-process broker and controller and real DJL
 * worker processes ({@link WorkerFleet}), started and settled once. The arms run one after the other, each as its own
 * experiment on idle workers; at an arm's budget its experiment is cancelled (running trials stop, nothing after the
 * budget counts) and the next arm waits until the workers have stopped them, so every arm gets the same wall-clock on
 * the same machines. The first arm's first trials also warm the workers up (JIT, first data load): seconds, against
 * the default 30 minutes.
 *
 * <p>The spec given is the {@code re-asha} arm's: strategy {@code regularized-evolution} (its settings are used by
 * both evolution arms) and an ASHA scheduler whose top rung is {@code training.epochs}. The {@code re} arm drops the
 * scheduler and {@code random} also the strategy, so they train every trial to the top rung's epochs; {@code tpe}
 * runs the {@code tpe} strategy at its default settings without a scheduler, beside {@code re}.
 */
final class SearchBenchmark {
    /** The arms there are; {@code --arms} picks and orders them (by default the first three). */
    static final List<String> ARMS = List.of("random", "re", "re-asha", "tpe");

    /** What to run: {@code spec} is the re-asha arm's (see the class comment). */
    record Settings(ExperimentSpec spec, List<String> arms, Duration budget, long seed, int workers, Path dataDir,
                    String dataset) {}

    /** One arm: its experiment and the figures of {@link SearchArmSummary}. */
    record Arm(String arm, String strategy, String scheduler, String experimentId, String status, double wallSeconds,
               double workerCpuSeconds, double controllerCpuSeconds, int trialsStarted, int trialsCompleted,
               int trialsFailed, int promotions, Map<String, Integer> resultsByEpochs, int resultsAfterBudget,
               int infeasibleResults, SearchArmSummary.CurvePoint best, List<SearchArmSummary.CurvePoint> curve,
               List<SearchArmSummary.Result> results) {}

    /**
     * The benchmark's result: the arms, and for each arm the first time its incumbent's test accuracy reached the
     * {@code re} arm's final one (null: never, or no {@code re} arm or no best there). ASHA's rungs are in
     * {@code ashaRungEpochs}, or in {@code ashaRungExamples} when they count training examples (the other empty).
     */
    record Result(double budgetSeconds, long seed, int workers, String dataset, String constraint, int epochs,
                  int[] ashaRungEpochs, Double reFinalTestAccuracy, Map<String, Double> secondsToReFinalBest,
                  List<Arm> arms, String plot, String note, long[] ashaRungExamples) {}

    private SearchBenchmark() {}

    /**
     * Refuses a spec the benchmark cannot compare arms on, with what to change; null when it is usable.
     * {@code trainCount} is the training set's size, which a scheduler of training examples needs (else unused).
     */
    static String problem(ExperimentSpec spec, int trainCount) {
        if (!"regularized-evolution".equals(spec.strategy().name())) {
            return "strategy.name must be regularized-evolution (its settings are the re and re-asha arms'), got "
                    + spec.strategy().name();
        }
        if (spec.scheduler().type() != SchedulerSpec.Type.ASHA) {
            return "scheduler.type must be asha (the re-asha arm's scheduler)";
        }
        if (spec.scheduler().countsExamples()) {
            long top = (long) spec.training().epochs() * trainCount;
            if (spec.scheduler().maxExamples() != top) {
                return "scheduler.maxExamples must be training.epochs × the training set's " + trainCount + " examples ("
                        + top + "), so random and re train every trial as long as ASHA's top rung";
            }
        } else if (spec.scheduler().topEpochs(spec.training()) != spec.training().epochs()) {
            return "scheduler.maxEpochs must equal training.epochs (or be left out), so random and re train every trial "
                    + "to ASHA's top rung";
        }
        List<Quantization> q = spec.searchSpace() == null || spec.searchSpace().compression() == null ? List.of()
                : spec.searchSpace().compression().quantization();
        if (q.isEmpty() || q.contains(Quantization.FP32)) {
            return "searchSpace.compression.quantization must list int8 variants only, so every candidate is "
                    + "quantized and its size is the int8 file's";
        }
        return null;
    }

    /** The spec of {@code arm}: the strategy and scheduler it uses, the seed, the workers' parallelism and the budget. */
    static ExperimentSpec armSpec(ExperimentSpec base, String arm, long seed, int workers, int budgetSeconds, String id) {
        StrategySpec strategy = switch (arm) {
            case "random", "tpe" -> new StrategySpec(arm, seed, null);
            default -> new StrategySpec(base.strategy().name(), seed, base.strategy().settings());
        };
        SchedulerSpec scheduler = arm.equals("re-asha") ? base.scheduler() : SchedulerSpec.NONE;
        BudgetSpec b = base.budget();
        BudgetSpec budget = new BudgetSpec(b.maxTrials(), workers, b.maxAttempts(), b.trialTimeoutSeconds(), budgetSeconds);
        return new ExperimentSpec(base.schemaVersion(), id, base.name(), base.dataset(), base.searchSpace(), strategy, budget,
                base.training(), base.objectives(), base.earlyStopping(), scheduler);
    }

    static Result run(Path dir, Settings s, PrintStream log) throws Exception {
        int budgetSeconds = (int) Math.max(1, s.budget().toSeconds());
        String runId = Long.toString(System.currentTimeMillis(), 36);
        int partitions = 2 * s.workers();
        List<Arm> arms = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), "127.0.0.1", 0, Map.of());
             WorkerFleet fleet = new WorkerFleet(kafka, dir, "bench-search-workers")) {
            String bootstrap = kafka.bootstrapServers();
            TopicSetup.ensure(bootstrap, partitions);
            ControllerService controller = new ControllerService(
                    new ControllerConfig(bootstrap, "bench-search-controller", dir.resolve("state"), partitions), StrategyRegistry.load());
            try (ExperimentSubmitter submitter = new ExperimentSubmitter(bootstrap)) {
                controller.start();
                for (int w = 1; w <= s.workers(); w++) {
                    Map<String, String> env = new LinkedHashMap<>();
                    env.put("NAS_EVALUATOR", "djl");
                    env.put("NAS_DEVICES", "cpu");
                    env.put("NAS_WORKER_SLOTS", "1");
                    env.put("NAS_WORKER_LOCAL_DIR", dir.resolve("host").toString()); // the workers divide the cores
                    env.put("NAS_DATA_DIR", s.dataDir().toAbsolutePath().toString());
                    fleet.start("worker-" + w, "2g", env);
                }
                fleet.awaitStableGroup(partitions, Duration.ofSeconds(180));
                for (String arm : s.arms()) {
                    ExperimentSpec spec = armSpec(s.spec(), arm, s.seed(), s.workers(), budgetSeconds, "search-" + arm + "-" + runId);
                    log.printf(Locale.ROOT, "%s: %s%s, %d s on %d workers…%n", arm, spec.strategy().name(),
                            arm.equals("re-asha") ? " + asha" : "", budgetSeconds, s.workers());
                    Arm a = arm(arm, spec, fleet, submitter, bootstrap, budgetSeconds);
                    log.printf(Locale.ROOT, "%s: %d trials started, %d completed; best test accuracy %s%n", arm,
                            a.trialsStarted(), a.trialsCompleted(),
                            a.best() == null ? "none" : String.format(Locale.ROOT, "%.4f", a.best().testAccuracy()));
                    arms.add(a);
                    if (arms.size() < s.arms().size()) {
                        fleet.awaitIdle(spec.id(), Duration.ofMinutes(10)); // the next arm starts on idle workers
                    }
                }
            } finally {
                controller.close();
            }
        } finally {
            DemoCommand.removeRunState(dir);
        }
        DemoCommand.removeTree(dir); // all went well: the figures are in the result, the models and logs of no more use
        Double reFinal = arms.stream().filter(a -> a.arm().equals("re") && a.best() != null).findFirst()
                .map(a -> a.best().testAccuracy()).orElse(null);
        Map<String, Double> toReFinal = new LinkedHashMap<>();
        for (Arm a : arms) {
            toReFinal.put(a.arm(), reFinal == null ? null : SearchArmSummary.secondsToReach(a.curve(), reFinal));
        }
        return new Result(budgetSeconds, s.seed(), s.workers(), s.dataset(), SearchArmSummary.describe(s.spec().objectives()),
                s.spec().training().epochs(), s.spec().scheduler().rungEpochs(s.spec().training()), reFinal, toReFinal, arms,
                null, "one in-process broker and controller and " + s.workers() + " real DJL worker processes (one slot "
                        + "each) for all arms, which run one after the other, each on idle workers; an arm's clock starts "
                        + "at submission and its experiment is cancelled at the budget; times are the controller's event "
                        + "timestamps; results after the budget are listed but not counted; best = the feasible result "
                        + "with the highest validation accuracy, reported with its test accuracy; CPU seconds are the "
                        + "worker processes' (and, apart, this process's: broker, controller) from the start of the "
                        + "clock to the end of the arm", s.spec().scheduler().rungExamples());
    }

    private static Arm arm(String arm, ExperimentSpec spec, WorkerFleet fleet, ExperimentSubmitter submitter,
                           String bootstrap, int budgetSeconds) {
        List<SearchArmSummary.TimedEvent> events = new ArrayList<>();
        double workerCpu0 = workerCpuSeconds(fleet);
        double controllerCpu0 = processCpuSeconds();
        long start = System.currentTimeMillis();
        submitter.submit(spec);
        long budgetEnd = start + budgetSeconds * 1000L;
        boolean[] cancelled = {false};
        List<ExperimentEvent> seen = new ExperimentWatcher(bootstrap).follow(spec.id(),
                Duration.ofSeconds(budgetSeconds).plusMinutes(10), new ExperimentWatcher.Listener() {
                    @Override
                    public void event(ExperimentEvent event, long timestampMillis) {
                        events.add(new SearchArmSummary.TimedEvent(timestampMillis - start, event));
                    }

                    @Override
                    public void tick(long nowMillis) {
                        if (!cancelled[0] && nowMillis >= budgetEnd) {
                            submitter.cancel(spec.id(), "nas bench search: the budget of " + budgetSeconds + " s is spent");
                            cancelled[0] = true;
                        }
                        try {
                            fleet.checkAlive();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                });
        long end = System.currentTimeMillis();
        double workerCpu = workerCpuSeconds(fleet) - workerCpu0;
        double controllerCpu = processCpuSeconds() - controllerCpu0;
        ExperimentEvent last = seen.get(seen.size() - 1);
        if (last instanceof ExperimentEvent.Rejected r) {
            throw new IllegalStateException(arm + ": the controller rejected the spec: " + r.errors());
        }
        String status = last instanceof ExperimentEvent.Completed c ? c.status().name().toLowerCase(Locale.ROOT) : "unknown";
        SchedulerSpec scheduler = spec.scheduler();
        SearchArmSummary.Figures f = SearchArmSummary.summarize(events, budgetSeconds, scheduler.type().promotes()
                ? scheduler.rungs(spec.training()) : new long[0], scheduler.countsExamples(), spec.training().epochs(),
                spec.objectives());
        return new Arm(arm, spec.strategy().name(), scheduler.type().name().toLowerCase(Locale.ROOT), spec.id(), status,
                (end - start) / 1000.0, workerCpu, controllerCpu, f.trialsStarted(), f.trialsCompleted(), f.trialsFailed(),
                f.promotions(), f.resultsByEpochs(), f.resultsAfterBudget(), f.infeasibleResults(), f.best(), f.curve(),
                f.results());
    }

    /** CPU time of the fleet's live processes so far. */
    private static double workerCpuSeconds(WorkerFleet fleet) {
        double total = 0;
        for (Process p : fleet.workers().values()) {
            total += p.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
        }
        return total;
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** The anytime plot of {@code result}: each arm's incumbent test accuracy over wall-clock time. */
    static String plot(Result result) {
        List<AnytimePlot.Series> series = new ArrayList<>();
        for (Arm a : result.arms()) {
            List<double[]> points = new ArrayList<>();
            a.curve().forEach(p -> points.add(new double[] {p.seconds(), p.testAccuracy()}));
            series.add(new AnytimePlot.Series(a.arm(), points, Math.min(a.wallSeconds(), result.budgetSeconds())));
        }
        return AnytimePlot.svg("nas bench search: best within " + result.constraint() + " (" + result.workers()
                        + " workers, seed " + result.seed() + ")",
                "test accuracy of the best so far", result.budgetSeconds(), series);
    }

    /** {@code r} with the path of its plot. */
    static Result withPlot(Result r, String plot) {
        return new Result(r.budgetSeconds(), r.seed(), r.workers(), r.dataset(), r.constraint(), r.epochs(), r.ashaRungEpochs(),
                r.reFinalTestAccuracy(), r.secondsToReFinalBest(), r.arms(), plot, r.note(), r.ashaRungExamples());
    }
}
