package org.naspipeline.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.ops.KafkaClientOverrides;
import org.naspipeline.worker.service.WorkerMain;

/**
 * Worker failover time: W real worker processes ({@code WorkerMain}, the launcher of the worker image, synthetic
 * evaluator) in one group on a fresh in-process broker; one long trial goes on {@code nas.trials}; when a worker
 * reports it {@code started}, that worker's process is SIGKILLed and the clock runs until the same trial's
 * {@code started} from another worker. Each run has its own broker, so runs are independent.
 */
final class FailoverBenchmark {
    private static final Candidate MLP = new Candidate(new ArchitectureSpec(ModelFamily.MLP, null, List.of(8), new HeadSpec(0, 0)), null);

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
        String group = "bench-failover";
        String experiment = "failover-" + run + "-" + System.currentTimeMillis();
        String trialId = experiment + "-t1";
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), "127.0.0.1", 0, s.broker())) {
            String bootstrap = kafka.bootstrapServers();
            ensureTopics(bootstrap, s.partitions());
            Map<String, Process> workers = new LinkedHashMap<>();
            // Ctrl-C or SIGTERM on the bench must not leave worker JVMs behind.
            Thread reaper = new Thread(() -> workers.values().forEach(Process::destroyForcibly), "failover-bench-reaper");
            Runtime.getRuntime().addShutdownHook(reaper);
            try (KafkaConsumer<String, byte[]> results = resultReader(bootstrap)) {
                for (int w = 1; w <= s.workers(); w++) {
                    String id = "failover-worker-" + w;
                    workers.put(id, startWorker(bootstrap, group, id, dir, s));
                }
                awaitStableGroup(kafka, group, workers, dir, s.partitions());
                send(bootstrap, new TrialRequest(ExperimentSpec.SCHEMA_VERSION, experiment, trialId, 1, MLP,
                        new DatasetSpec("fashion-mnist", 10, 10), new TrainingSpec(1, 64, 0.001, "adam"), 1L));
                TrialEvent.Started first = awaitStarted(results, experiment, e -> e.trialId().equals(trialId),
                        Duration.ofSeconds(60), "no worker started the trial within 60 s", workers, dir);
                Process victim = workers.get(first.workerId());
                if (victim == null) {
                    throw new IllegalStateException("the trial was started by an unknown worker '" + first.workerId() + "'");
                }
                long killedAt = System.currentTimeMillis();
                victim.destroyForcibly(); // SIGKILL: no commit, no leave-group
                if (!victim.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("worker " + first.workerId() + " did not die within 10 s of SIGKILL");
                }
                TrialEvent.Started second = awaitStarted(results, experiment,
                        e -> e.trialId().equals(trialId) && !e.workerId().equals(first.workerId()), s.restartTimeout(),
                        "the trial of the killed worker was not restarted within " + s.restartTimeout().toSeconds() + " s",
                        workers, dir);
                return new Run(run, first.workerId(), second.workerId(), second.attempt(), (second.atMillis() - killedAt) / 1000.0);
            } finally {
                for (Process p : workers.values()) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                Runtime.getRuntime().removeShutdownHook(reaper);
            }
        }
    }

    /** Creates the topics; a broker that has just started may not serve a new topic's metadata yet, so try again. */
    private static void ensureTopics(String bootstrap, int partitions) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                TopicSetup.ensure(bootstrap, partitions);
                return;
            } catch (IllegalStateException e) {
                if (attempt == 5) {
                    throw e;
                }
                Thread.sleep(1000); // a bench set-up retry, not a test
            }
        }
    }

    /** Starts {@code WorkerMain} in its own JVM, from this process's classpath, configured like a deployed worker. */
    private static Process startWorker(String bootstrap, String group, String id, Path dir, Settings s) throws IOException {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-Dai.djl.offline=true", "-cp", classpath, WorkerMain.class.getName());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("NAS_")); // only the settings under test
        env.put("NAS_KAFKA_BOOTSTRAP", bootstrap);
        env.put("NAS_WORKER_GROUP", group);
        env.put("NAS_WORKER_ID", id);
        env.put("NAS_EVALUATOR", "synthetic");
        env.put("NAS_SYNTHETIC_DELAY_MS", Long.toString(s.trialMillis()));
        env.put("NAS_WORKER_HTTP_PORT", "-1");
        env.put("NAS_SHUTDOWN_GRACE_SECONDS", "0");
        env.put("NAS_ARTIFACT_DIR", dir.resolve("artifacts").toString());
        s.kafkaClient().forEach((k, v) -> env.put(variable(k), v));
        if (s.staticMembership()) {
            env.put(variable("group.instance.id"), id);
        }
        pb.redirectErrorStream(true).redirectOutput(dir.resolve(id + ".log").toFile());
        return pb.start();
    }

    /** The pass-through variable of a Kafka client property: {@code session.timeout.ms} → {@code NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS}. */
    static String variable(String property) {
        return KafkaClientOverrides.PREFIX + property.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Waits until the group has every worker as a member and every partition assigned (either group protocol). */
    private static void awaitStableGroup(EmbeddedKafka kafka, String group, Map<String, Process> workers, Path dir,
                                         int partitions) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "not described yet";
        try (Admin admin = kafka.admin()) {
            while (System.nanoTime() < deadline) {
                checkAlive(workers, dir);
                try {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                    Set<String> members = d.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty())
                            .map(MemberDescription::clientId).collect(Collectors.toSet());
                    int assigned = d.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
                    last = d.groupState() + ", members with partitions " + members + ", " + assigned + " partition(s) assigned";
                    if (members.equals(workers.keySet()) && assigned == partitions && d.members().size() == workers.size()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    last = e.getCause().getMessage();
                }
                Thread.sleep(200); // a bench set-up wait, not a test
            }
        }
        throw new IllegalStateException("the worker group did not settle within 90 s (" + last + ")" + logs(workers, dir));
    }

    private static KafkaConsumer<String, byte[]> resultReader(String bootstrap) {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class));
        List<TopicPartition> parts = c.partitionsFor(Topics.TRIAL_RESULTS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    private static TrialEvent.Started awaitStarted(KafkaConsumer<String, byte[]> results, String experiment,
                                                   Predicate<TrialEvent.Started> match, Duration timeout, String failure,
                                                   Map<String, Process> workers, Path dir) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : results.poll(Duration.ofMillis(100))) {
                if (experiment.equals(r.key()) && JsonCodec.read(r.value(), TrialEvent.class) instanceof TrialEvent.Started s
                        && match.test(s)) {
                    return s;
                }
            }
        }
        throw new IllegalStateException(failure + logs(workers, dir));
    }

    private static void send(String bootstrap, TrialRequest request) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(Topics.TRIALS, request.trialId(), JsonCodec.write(request))).get(30, TimeUnit.SECONDS);
        }
    }

    private static void checkAlive(Map<String, Process> workers, Path dir) throws IOException {
        for (Map.Entry<String, Process> w : workers.entrySet()) {
            if (!w.getValue().isAlive()) {
                throw new IllegalStateException("worker " + w.getKey() + " exited with status " + w.getValue().exitValue()
                        + " during set-up" + logs(workers, dir));
            }
        }
    }

    /** The last lines of every worker's log, for a failure message. */
    private static String logs(Map<String, Process> workers, Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String id : workers.keySet()) {
            Path log = dir.resolve(id + ".log");
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            b.append("\n--- ").append(id).append(" (last 15 lines of ").append(log).append(")\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
        }
        return b.toString();
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
