package org.naspipeline.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.devbroker.EmbeddedKafka;

/**
 * Co-located workers against one worker using every core. Each setup runs real DJL worker processes
 * ({@link WorkerFleet}) on a fresh in-process broker, every worker on the same sequence of trials (the same
 * candidates and seeds, sent to the partition it owns, after one uncounted warm-up trial of each candidate), all at
 * once:
 *
 * <ol>
 *   <li>{@code one}: one worker, default settings: it takes every core;</li>
 *   <li>{@code colocated}: N workers, default settings: they register on the host, divide the cores, and take
 *       the measurement lock;</li>
 *   <li>{@code oversubscribed} (optional): N workers each on every core ({@code NAS_WORKER_THREADS} = the cores)
 *       and no shared lock: the behaviour before thread budgets.</li>
 * </ol>
 *
 * Training throughput of a worker is its samples over its training seconds (training time excludes pauses for
 * measurements, see {@code TrainingLoop}); a setup's aggregate is the sum over its workers, which run side by side.
 * The wall-clock figure counts everything: samples over the time from the first start to the last result. Latency is
 * the median over a setup's trials of each candidate's batch-1 p50 (and coefficient of variation). Setups alternate
 * round by round; ratios are of the medians over rounds.
 */
final class ColocationBenchmark {
    /** What to run. */
    record Settings(int workers, int trialsPerWorker, Map<String, Candidate> candidates, DatasetSpec dataset,
                    TrainingSpec training, Path dataDir, int rounds, boolean oversubscribed) {}

    /** One trial's figures. */
    record Trial(String worker, String candidate, int threads, double samplesPerSecond, double trainSeconds,
                 long samples, double latencyMsP50, double latencyCv, Integer latencyThreads, Boolean latencyExclusive) {}

    /** One setup in one round. */
    record Setup(String name, int round, int workers, Map<String, String> environment, List<Integer> threadsPerSlot,
                 double trainingSamplesPerSecond, double wallSamplesPerSecond, double wallSeconds,
                 Map<String, Double> latencyMsP50, Map<String, Double> latencyCv, boolean allExclusive, List<Trial> trials) {}

    /**
     * Medians over the rounds and the ratios against {@code one}: of the medians, and the median over rounds of each
     * round's ratio to the {@code one} run beside it ({@code paired…}), which cancels the drift between rounds.
     */
    record Summary(String setup, double trainingSamplesPerSecond, double wallSamplesPerSecond,
                   Map<String, Double> latencyMsP50, Map<String, Double> latencyCv, double trainingRatio, double wallRatio,
                   Map<String, Double> latencyRatio, double pairedTrainingRatio, Map<String, Double> pairedLatencyRatio) {}

    record Result(int cpus, int workers, int trialsPerWorker, String dataset, List<String> candidates, int rounds,
                  List<Summary> summary, List<Setup> setups, String note) {}

    private ColocationBenchmark() {}

    static Result run(Path dir, Settings s, PrintStream log) throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        List<Setup> setups = new ArrayList<>();
        for (int round = 1; round <= s.rounds(); round++) {
            setups.add(setup(dir, s, round, "one", 1, Map.of(), true, log));
            setups.add(setup(dir, s, round, "colocated", s.workers(), Map.of(), true, log));
            if (s.oversubscribed()) {
                setups.add(setup(dir, s, round, "oversubscribed", s.workers(),
                        Map.of("NAS_WORKER_THREADS", Integer.toString(cpus)), false, log));
            }
        }
        List<Summary> summary = new ArrayList<>();
        Summary one = summarize("one", setups, null);
        summary.add(one);
        summary.add(summarize("colocated", setups, one));
        if (s.oversubscribed()) {
            summary.add(summarize("oversubscribed", setups, one));
        }
        return new Result(cpus, s.workers(), s.trialsPerWorker(), s.dataset().name() + " (train " + s.dataset().trainLimit()
                + ", test " + s.dataset().testLimit() + ")", List.copyOf(s.candidates().keySet()), s.rounds(), summary, setups,
                "real DJL worker processes on a fresh in-process broker per setup; every worker runs the same trials at the "
                        + "same time; training throughput = Σ over workers of samples / training seconds (pauses for "
                        + "measurements excluded), wall = all samples / (last result − first start); latency = median of "
                        + "the trials' batch-1 p50; ratios are of medians over rounds, against 'one'");
    }

    private static Setup setup(Path dir, Settings s, int round, String name, int workers, Map<String, String> extra,
                               boolean sharedHost, PrintStream log) throws Exception {
        Path here = dir.resolve(name + "-" + round);
        String experiment = "colocation-" + name + "-" + round;
        List<Trial> trials = new ArrayList<>();
        long firstStart = Long.MAX_VALUE;
        long lastResult = 0;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(here.resolve("kafka"), "127.0.0.1", 0, Map.of());
             WorkerFleet fleet = new WorkerFleet(kafka, here, "bench-colocation")) {
            TopicSetup.ensure(kafka.bootstrapServers(), workers);
            Map<String, String> env = new LinkedHashMap<>(extra);
            for (int w = 1; w <= workers; w++) {
                Map<String, String> e = new HashMap<>(env);
                e.put("NAS_EVALUATOR", "djl");
                e.put("NAS_DEVICES", "cpu");
                e.put("NAS_WORKER_SLOTS", "1");
                // one host directory for the setup's workers (isolated from other processes on this machine); the
                // oversubscribed setup gives each its own, as if there were no registry or lock
                e.put("NAS_WORKER_LOCAL_DIR", here.resolve(sharedHost ? "host" : "host-" + w).toString());
                if (s.dataDir() != null) {
                    e.put("NAS_DATA_DIR", s.dataDir().toAbsolutePath().toString());
                }
                fleet.start(name + "-" + w, "1g", e);
            }
            fleet.awaitStableGroup(workers, Duration.ofSeconds(180));
            Map<Integer, String> owners = fleet.owners();
            int expected = 0;
            Map<String, String> candidateOf = new HashMap<>();
            java.util.Set<String> warmUps = new java.util.HashSet<>();
            try (KafkaConsumer<String, byte[]> results = fleet.resultReader()) {
                for (int p : owners.keySet()) {
                    List<TrialRequest> requests = new ArrayList<>();
                    // first a warm-up trial of every candidate (JIT, native first-run costs), not counted
                    for (int k = 0; k <= s.trialsPerWorker(); k++) {
                        for (Map.Entry<String, Candidate> c : s.candidates().entrySet()) {
                            String trialId = experiment + "-p" + p + "-" + k + "-" + c.getKey();
                            candidateOf.put(trialId, c.getKey());
                            if (k == 0) {
                                warmUps.add(trialId);
                            }
                            requests.add(new TrialRequest(ExperimentSpec.SCHEMA_VERSION, experiment, trialId, 1,
                                    c.getValue(), s.dataset(), s.training(), 1000L + k));
                        }
                    }
                    expected += requests.size();
                    fleet.send(p, requests);
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
                int finished = 0;
                while (finished < expected) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(name + ": " + finished + " of " + expected
                                + " trials finished within 60 minutes" + fleet.logs());
                    }
                    fleet.checkAlive();
                    for (ConsumerRecord<String, byte[]> r : results.poll(Duration.ofMillis(200))) {
                        if (!experiment.equals(r.key())) {
                            continue;
                        }
                        TrialEvent e = JsonCodec.read(r.value(), TrialEvent.class);
                        if (e instanceof TrialEvent.Started st) {
                            if (!warmUps.contains(st.trialId())) {
                                firstStart = Math.min(firstStart, st.atMillis());
                            }
                        } else if (e instanceof TrialResult.Failed f) {
                            throw new IllegalStateException(name + ": trial " + f.trialId() + " failed: " + f.reason());
                        } else if (e instanceof TrialResult.Completed c) {
                            finished++;
                            if (!warmUps.contains(c.trialId())) {
                                lastResult = Math.max(lastResult, r.timestamp());
                                trials.add(trial(c, candidateOf.get(c.trialId())));
                            }
                        }
                    }
                }
            }
        }
        double wallSeconds = (lastResult - firstStart) / 1000.0;
        Setup setup = figures(name, round, workers, extra, trials, wallSeconds);
        log.printf(Locale.ROOT, "round %d %-14s %d worker(s), %s thread(s) per slot: training %.0f samples/s, wall %.0f "
                        + "samples/s, latency p50 %s ms%n", round, name, workers, setup.threadsPerSlot(),
                setup.trainingSamplesPerSecond(), setup.wallSamplesPerSecond(), setup.latencyMsP50());
        return setup;
    }

    private static Trial trial(TrialResult.Completed c, String candidate) {
        TrialMetrics m = c.metrics();
        long samples = Math.round(m.samplesPerSecond() * m.trainSeconds());
        return new Trial(c.workerId(), candidate, m.threads(), m.samplesPerSecond(), m.trainSeconds(), samples,
                m.latencyMsP50(), m.latencyCv(), m.latencyThreads(), m.latencyExclusive());
    }

    static Setup figures(String name, int round, int workers, Map<String, String> env, List<Trial> trials, double wallSeconds) {
        Map<String, double[]> perWorker = new TreeMap<>(); // samples, seconds
        Map<String, List<Double>> p50 = new TreeMap<>();
        Map<String, List<Double>> cv = new TreeMap<>();
        long samples = 0;
        boolean exclusive = true;
        for (Trial t : trials) {
            double[] w = perWorker.computeIfAbsent(t.worker(), k -> new double[2]);
            w[0] += t.samples();
            w[1] += t.trainSeconds();
            samples += t.samples();
            p50.computeIfAbsent(t.candidate(), k -> new ArrayList<>()).add(t.latencyMsP50());
            cv.computeIfAbsent(t.candidate(), k -> new ArrayList<>()).add(t.latencyCv());
            exclusive &= Boolean.TRUE.equals(t.latencyExclusive());
        }
        double training = perWorker.values().stream().mapToDouble(w -> w[1] > 0 ? w[0] / w[1] : 0).sum();
        Map<String, Double> p50s = new TreeMap<>();
        p50.forEach((k, v) -> p50s.put(k, median(v)));
        Map<String, Double> cvs = new TreeMap<>();
        cv.forEach((k, v) -> cvs.put(k, median(v)));
        List<Integer> threads = new ArrayList<>(new TreeSet<>(trials.stream().map(Trial::threads).toList()));
        return new Setup(name, round, workers, new TreeMap<>(env), threads, training,
                wallSeconds > 0 ? samples / wallSeconds : 0, wallSeconds, p50s, cvs, exclusive, trials);
    }

    static Summary summarize(String name, List<Setup> setups, Summary reference) {
        List<Setup> mine = setups.stream().filter(s -> s.name().equals(name)).toList();
        double training = median(mine.stream().map(Setup::trainingSamplesPerSecond).toList());
        double wall = median(mine.stream().map(Setup::wallSamplesPerSecond).toList());
        Map<String, Double> p50 = new TreeMap<>();
        Map<String, Double> cv = new TreeMap<>();
        for (String candidate : mine.get(0).latencyMsP50().keySet()) {
            p50.put(candidate, median(mine.stream().map(s -> s.latencyMsP50().get(candidate)).toList()));
            cv.put(candidate, median(mine.stream().map(s -> s.latencyCv().get(candidate)).toList()));
        }
        Map<String, Double> ratio = new TreeMap<>();
        Map<String, Double> paired = new TreeMap<>();
        double pairedTraining = 1;
        if (reference != null) {
            p50.forEach((k, v) -> ratio.put(k, v / reference.latencyMsP50().get(k)));
            List<Setup> ones = setups.stream().filter(s -> s.name().equals(reference.setup())).toList();
            List<Double> trainingRatios = new ArrayList<>();
            Map<String, List<Double>> latencyRatios = new TreeMap<>();
            for (Setup s : mine) {
                Setup beside = ones.stream().filter(o -> o.round() == s.round()).findFirst().orElse(null);
                if (beside == null) {
                    continue;
                }
                trainingRatios.add(s.trainingSamplesPerSecond() / beside.trainingSamplesPerSecond());
                s.latencyMsP50().forEach((k, v) -> latencyRatios.computeIfAbsent(k, x -> new ArrayList<>())
                        .add(v / beside.latencyMsP50().get(k)));
            }
            pairedTraining = median(trainingRatios);
            latencyRatios.forEach((k, v) -> paired.put(k, median(v)));
        }
        return new Summary(name, training, wall, p50, cv, reference == null ? 1 : training / reference.trainingSamplesPerSecond(),
                reference == null ? 1 : wall / reference.wallSamplesPerSecond(), ratio, pairedTraining, paired);
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
