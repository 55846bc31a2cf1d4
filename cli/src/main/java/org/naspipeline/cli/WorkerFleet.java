package org.naspipeline.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.worker.service.WorkerMain;

/**
 * Real worker processes for the benchmarks: each {@code WorkerMain} (the launcher of the worker image) in its own
 * JVM from this process's classpath, configured like a deployed worker, on a broker of the benchmark's; the
 * requests sent to them and the events read back. Closing kills every process (also on Ctrl-C of the benchmark).
 */
final class WorkerFleet implements AutoCloseable {
    /** How long {@link #awaitIdle} wants the experiment quiet before it believes the workers idle. */
    private static final long IDLE_NANOS = Duration.ofSeconds(2).toNanos();
    private final EmbeddedKafka kafka;
    private final Path dir;
    private final String group;
    private final Map<String, Process> workers = new LinkedHashMap<>();
    private final Thread reaper;

    /** A fleet in consumer group {@code group} on {@code kafka}, with its logs and artifacts under {@code dir}. */
    WorkerFleet(EmbeddedKafka kafka, Path dir, String group) throws IOException {
        this.kafka = kafka;
        this.dir = dir;
        this.group = group;
        Files.createDirectories(dir);
        this.reaper = new Thread(() -> workers.values().forEach(Process::destroyForcibly), "bench-worker-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Starts worker {@code id} with {@code heap}: bootstrap, group, id, no HTTP, artifacts under the fleet's
     * directory, then {@code env} (which may override any of them). Other {@code NAS_*} variables of this process
     * are not passed on.
     */
    Process start(String id, String heap, Map<String, String> env) throws IOException {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-Dai.djl.offline=true", "-cp", classpath, WorkerMain.class.getName());
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("NAS_")); // only the settings under test
        e.put("NAS_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
        e.put("NAS_WORKER_GROUP", group);
        e.put("NAS_WORKER_ID", id);
        e.put("NAS_WORKER_HTTP_PORT", "-1");
        e.put("NAS_SHUTDOWN_GRACE_SECONDS", "0");
        e.put("NAS_ARTIFACT_DIR", dir.resolve("artifacts").toString());
        e.putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log(id).toFile());
        Process p = pb.start();
        workers.put(id, p);
        return p;
    }

    /** The processes by worker id. */
    Map<String, Process> workers() {
        return workers;
    }

    Path log(String id) {
        return dir.resolve(id + ".log");
    }

    /** Waits until the group has every worker as a member and every partition assigned (either group protocol). */
    void awaitStableGroup(int partitions, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "not described yet";
        try (Admin admin = kafka.admin()) {
            while (System.nanoTime() < deadline) {
                checkAlive();
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
        throw new IllegalStateException("the worker group did not settle within " + timeout.toSeconds() + " s (" + last + ")"
                + logs());
    }

    /** The worker holding each partition of {@code nas.trials}, by client id. */
    Map<Integer, String> owners() throws Exception {
        try (Admin admin = kafka.admin()) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            Map<Integer, String> owners = new LinkedHashMap<>();
            for (MemberDescription m : d.members()) {
                m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(Topics.TRIALS))
                        .forEach(tp -> owners.put(tp.partition(), m.clientId()));
            }
            return owners;
        }
    }

    /** A consumer of {@code nas.trial-results} from the beginning. */
    KafkaConsumer<String, byte[]> resultReader() {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class));
        List<TopicPartition> parts = c.partitionsFor(Topics.TRIAL_RESULTS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    /** The first event of {@code experiment} matching {@code match}; fails with {@code failure} and the logs on timeout. */
    <E extends TrialEvent> E await(KafkaConsumer<String, byte[]> results, String experiment, Class<E> type,
                                   Predicate<E> match, Duration timeout, String failure) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : results.poll(Duration.ofMillis(100))) {
                if (experiment.equals(r.key())) {
                    TrialEvent e = JsonCodec.read(r.value(), TrialEvent.class);
                    if (type.isInstance(e) && match.test(type.cast(e))) {
                        return type.cast(e);
                    }
                }
            }
        }
        throw new IllegalStateException(failure + logs());
    }

    /**
     * Waits until every attempt of {@code experiment} a worker started has its result on {@code nas.trial-results}
     * (after a cancel: the attempt stopped, or finished what it was measuring), so the next experiment finds the
     * workers idle; fails with the logs after {@code timeout}.
     */
    void awaitIdle(String experiment, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> running = new java.util.HashSet<>();
        long idleSince = Long.MAX_VALUE;
        try (KafkaConsumer<String, byte[]> results = resultReader()) {
            while (System.nanoTime() < deadline) {
                checkAlive();
                for (ConsumerRecord<String, byte[]> r : results.poll(Duration.ofMillis(200))) {
                    if (!experiment.equals(r.key())) {
                        continue;
                    }
                    TrialEvent e = JsonCodec.read(r.value(), TrialEvent.class);
                    if (e instanceof TrialEvent.Started) {
                        running.add(e.trialId() + "#" + e.attempt());
                    } else if (e instanceof org.naspipeline.api.TrialResult) {
                        running.remove(e.trialId() + "#" + e.attempt());
                    }
                }
                Map<TopicPartition, Long> end = results.endOffsets(results.assignment());
                boolean caughtUp = end.entrySet().stream().allMatch(x -> results.position(x.getKey()) >= x.getValue());
                if (!caughtUp || !running.isEmpty()) {
                    idleSince = Long.MAX_VALUE;
                } else if (idleSince == Long.MAX_VALUE) {
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince > IDLE_NANOS) {
                    return; // and stayed so: a request taken just before its cancel has had time to say so
                }
            }
        }
        throw new IllegalStateException("the workers did not finish experiment " + experiment + "'s attempts within "
                + timeout.toSeconds() + " s (still running: " + running + ")" + logs());
    }

    /** Sends requests to {@code nas.trials}: to {@code partition}, or (null) where the key hashes. */
    void send(Integer partition, List<TrialRequest> requests) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class))) {
            for (TrialRequest request : requests) {
                producer.send(new ProducerRecord<>(Topics.TRIALS, partition, request.trialId(), JsonCodec.write(request)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Fails with the logs if a worker has exited. */
    void checkAlive() throws IOException {
        for (Map.Entry<String, Process> w : workers.entrySet()) {
            if (!w.getValue().isAlive()) {
                throw new IllegalStateException("worker " + w.getKey() + " exited with status " + w.getValue().exitValue()
                        + logs());
            }
        }
    }

    /** The last lines of every worker's log, for a failure message. */
    String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String id : workers.keySet()) {
            Path log = log(id);
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            b.append("\n--- ").append(id).append(" (last 15 lines of ").append(log).append(")\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
        }
        return b.toString();
    }

    /** Kills every worker (SIGKILL) and waits for them. */
    @Override
    public void close() throws InterruptedException {
        for (Process p : workers.values()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Runtime.getRuntime().removeShutdownHook(reaper);
    }
}
