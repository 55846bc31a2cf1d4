package org.naspipeline.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.ops.KafkaClientOverrides;

/**
 * Worker failover time: W real worker processes ({@code WorkerMain}, the launcher of the worker image, synthetic
 * evaluator) in one group on a fresh in-process broker; one long trial goes on {@code nas.trials}; when a worker
 * reports it {@code started}, that worker's process is SIGKILLed and the clock runs until the same trial's
 * {@code started} from another worker. Each run has its own broker, so runs are independent.
 */
final class FailoverBenchmark {
    private static final Candidate MLP = new Candidate(new MlpArchitecture(List.of(8), new HeadSpec(0, 0)), null);

    /** What to measure: the group and broker settings under test. */
    record Settings(int runs, int workers, int partitions, long trialMillis, Map<String, String> kafkaClient,
                    Map<String, String> broker, boolean staticMembership, Duration restartTimeout) {}

    /** One run: who had the trial, who took it over, and how long after the kill its second start was reported. */
    record Run(int run, String killedWorker, String restartedOn, int attempt, double killToRestartSeconds) {}

    /** Every run and the summary. */
    record Result(int workers, int partitions, Map<String, String> kafkaClient, Map<String, String> broker,
                  boolean staticMembership, List<Run> runs, double medianSeconds, double minSeconds, double maxSeconds,
                  String note) {}

    static Result run(Path dir, Settings s, PrintStream log) throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int i = 1; i <= s.runs(); i++) {
            Run r = once(dir.resolve("run-" + i), i, s);
            log.printf(Locale.ROOT, "run %d: %s killed, trial restarted on %s after %.2f s%n", i, r.killedWorker(),
                    r.restartedOn(), r.killToRestartSeconds());
            runs.add(r);
        }
        double[] seconds = runs.stream().mapToDouble(Run::killToRestartSeconds).sorted().toArray();
        return new Result(s.workers(), s.partitions(), new java.util.TreeMap<>(s.kafkaClient()), new java.util.TreeMap<>(s.broker()),
                s.staticMembership(), runs, median(seconds), seconds[0], seconds[seconds.length - 1],
                "real worker processes (synthetic evaluator), fresh in-process broker per run; time from the SIGKILL "
                        + "to the restarted trial's started event (its timestamp), same host clock");
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Run once(Path dir, int run, Settings s) throws Exception {
        Files.createDirectories(dir);
        String experiment = "failover-" + run + "-" + System.currentTimeMillis();
        String trialId = experiment + "-t1";
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), "127.0.0.1", 0, s.broker());
             WorkerFleet fleet = new WorkerFleet(kafka, dir, "bench-failover")) {
            TopicSetup.ensure(kafka.bootstrapServers(), s.partitions());
            try (KafkaConsumer<String, byte[]> results = fleet.resultReader()) {
                for (int w = 1; w <= s.workers(); w++) {
                    String id = "failover-worker-" + w;
                    fleet.start(id, "384m", environment(id, s));
                }
                fleet.awaitStableGroup(s.partitions(), Duration.ofSeconds(90));
                fleet.send(null, List.of(new TrialRequest(ExperimentSpec.SCHEMA_VERSION, experiment, trialId, 1, MLP,
                        new DatasetSpec("fashion-mnist", 10, 10), new TrainingSpec(1, 64, 0.001, "adam"), 1L)));
                TrialEvent.Started first = fleet.await(results, experiment, TrialEvent.Started.class,
                        e -> e.trialId().equals(trialId), Duration.ofSeconds(60), "no worker started the trial within 60 s");
                Process victim = fleet.workers().get(first.workerId());
                if (victim == null) {
                    throw new IllegalStateException("the trial was started by an unknown worker '" + first.workerId() + "'");
                }
                long killedAt = System.currentTimeMillis();
                victim.destroyForcibly(); // SIGKILL: no commit, no leave-group
                if (!victim.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("worker " + first.workerId() + " did not die within 10 s of SIGKILL");
                }
                TrialEvent.Started second = fleet.await(results, experiment, TrialEvent.Started.class,
                        e -> e.trialId().equals(trialId) && !e.workerId().equals(first.workerId()), s.restartTimeout(),
                        "the trial of the killed worker was not restarted within " + s.restartTimeout().toSeconds() + " s");
                return new Run(run, first.workerId(), second.workerId(), second.attempt(), (second.atMillis() - killedAt) / 1000.0);
            }
        }
    }

    /** A worker as deployed, on the synthetic evaluator, with the group settings under test. */
    private static Map<String, String> environment(String id, Settings s) {
        Map<String, String> env = new HashMap<>();
        env.put("NAS_EVALUATOR", "synthetic");
        env.put("NAS_SYNTHETIC_DELAY_MS", Long.toString(s.trialMillis()));
        s.kafkaClient().forEach((k, v) -> env.put(variable(k), v));
        if (s.staticMembership()) {
            env.put(variable("group.instance.id"), id);
        }
        return env;
    }

    /** The pass-through variable of a Kafka client property: {@code session.timeout.ms} → {@code NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS}. */
    static String variable(String property) {
        return KafkaClientOverrides.PREFIX + property.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Parses {@code name=value} pairs, refusing anything else. */
    static Map<String, String> pairs(String option, List<String> values) {
        Map<String, String> m = new HashMap<>();
        for (String v : values == null ? List.<String>of() : values) {
            int eq = v.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(option + ": expected name=value (got '" + v + "')");
            }
            m.put(v.substring(0, eq).trim(), v.substring(eq + 1).trim());
        }
        return m;
    }

    private FailoverBenchmark() {}
}
