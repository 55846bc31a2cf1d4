package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.BudgetSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;

/**
 * {@code nas worker} as its own process on the real broker: SIGTERM with a running trial (finished within the grace
 * period, or handed back after it), and SIGKILL mid-trial under a running experiment (redelivered, nothing lost).
 * The workers use the synthetic evaluator so the tests time the control plane, not training.
 */
@ExtendWith(KafkaExtension.class)
class WorkerProcessIT {
    static final Candidate MLP = new Candidate(new MlpArchitecture(List.of(8), new HeadSpec(0, 0)), null);

    @TempDir
    Path dir;
    String group;

    @BeforeEach
    void topicsAndAFreshGroup(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        group = "workers-" + UUID.randomUUID().toString().substring(0, 8);
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
    }

    @Test
    void sigtermLetsTheRunningTrialFinishWithinTheGracePeriodAndCommitsIt(KafkaCluster kafka) throws Exception {
        Map<TopicPartition, Long> before = ConsumerGroups.committed(kafka, group, Topics.TRIALS);
        WorkerProcess w = WorkerProcess.start(kafka, "w-term", group, dir,
                Map.of("NAS_SYNTHETIC_DELAY_MS", "4000", "NAS_SHUTDOWN_GRACE_SECONDS", "60"));
        int port = w.httpPort(Duration.ofSeconds(60));
        assertThat(awaitHttp(port, "/health/ready", 200)).contains("\"kafka\"", "\"engine\"", "\"outcome\":\"UP\"");
        assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
        String metrics = get(port, "/metrics").body();
        assertThat(metrics).contains("nas_worker_slots{", "nas_worker_busy_slots{", "jvm_memory_used_bytes", "kafka_consumer_");
        assertThat(metrics.lines().filter(l -> l.startsWith("nas_worker_slots{")).findFirst().orElseThrow()).endsWith(" 1.0");

        String experiment = "term-" + UUID.randomUUID().toString().substring(0, 6);
        try (TrialEventLog log = new TrialEventLog(kafka, experiment, e -> {})) {
            send(kafka, request(experiment, experiment + "-t1", 4));
            log.await(e -> e instanceof TrialEvent.Started s && s.workerId().equals("w-term"), Duration.ofSeconds(60));
            long signalled = System.nanoTime();
            w.process.destroy(); // SIGTERM, as Kubernetes sends it
            assertThat(w.process.waitFor(60, TimeUnit.SECONDS)).as("exited within the grace period").isTrue();
            double seconds = (System.nanoTime() - signalled) / 1e9;

            assertThat(w.process.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
            TrialEvent end = log.await(e -> e instanceof TrialResult, Duration.ofSeconds(5));
            assertThat(end).isInstanceOfSatisfying(TrialResult.Completed.class, c -> assertThat(c.workerId()).isEqualTo("w-term"));
            assertThat(ConsumerGroups.committedBeyond(kafka, group, Topics.TRIALS, before)).as("the finished trial is committed").isEqualTo(1);
            assertThat(w.logText()).contains("worker w-term stopping: 1 trial(s) running", "worker w-term stopped")
                    .doesNotContain("abandoning");
            assertThat(seconds).as("waited for the trial, not for the whole grace period").isLessThan(60);
        }
    }

    @Test
    void aWorkerWithoutABrokerSaysSoInAFewLinesAndGivesUpWithOne() throws Exception {
        String nowhere = "127.0.0.1:" + ControllerApiIT.freePort();
        WorkerProcess w = WorkerProcess.start(null, "w-nowhere", group, dir, Map.of("NAS_KAFKA_BOOTSTRAP", nowhere,
                "NAS_KAFKA_CLIENT_DEFAULT_API_TIMEOUT_MS", "12000", "NAS_KAFKA_CLIENT_REQUEST_TIMEOUT_MS", "5000"));
        assertThat(w.process.waitFor(90, TimeUnit.SECONDS)).as("gives up").isTrue();
        String log = w.logText();
        assertThat(w.process.exitValue()).as(log).isEqualTo(1);
        assertThat(log).contains("worker: the worker did not start: cannot reach the Kafka broker at " + nowhere
                + " (NAS_KAFKA_BOOTSTRAP): ", "is the broker running and the address right?").doesNotContain("\tat ");
        // every client warns at each attempt, several a second; a burst of 3 gets through, then one every 10 s
        assertThat(log.lines().filter(l -> l.contains("NetworkClient"))).as(log).hasSizeBetween(1, 6);
    }

    @Test
    void theCpuBudgetIsLoggedAtStartAndBadCpuSettingsStopTheStartNamingTheVariable(KafkaCluster kafka) throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("a-file"), "x");
        Map<String, String> cases = Map.of(
                "NAS_WORKER_CPUS", "lots",
                "NAS_WORKER_THREADS", "0",
                "NAS_LATENCY_THREADS", "1.5",
                "NAS_WORKER_LOCAL_DIR", notADirectory.resolve("sub").toString());
        for (Map.Entry<String, String> bad : cases.entrySet()) {
            WorkerProcess w = WorkerProcess.start(kafka, "w-bad-" + bad.getKey().toLowerCase(java.util.Locale.ROOT), group,
                    dir, Map.of("NAS_EVALUATOR", "djl", "NAS_DEVICES", "cpu", bad.getKey(), bad.getValue()));
            assertThat(w.process.waitFor(60, TimeUnit.SECONDS)).as(bad.getKey() + " stops the start").isTrue();
            assertThat(w.process.exitValue()).isEqualTo(1);
            assertThat(w.logText()).as(bad.getKey()).contains("worker: " + bad.getKey() + ": ").doesNotContain("\tat ");
        }
        WorkerProcess ok = WorkerProcess.start(kafka, "w-cpu", group, dir, Map.of("NAS_EVALUATOR", "djl", "NAS_DEVICES", "cpu",
                "NAS_WORKER_CPUS", "1", "NAS_WORKER_LOCAL_DIR", dir.resolve("host").toString()));
        ok.httpPort(Duration.ofSeconds(90));
        await().atMost(Duration.ofSeconds(30)).until(() -> ok.logText().contains("CPU budget: "));
        assertThat(ok.logText()).contains("CPU budget: 1 intra-op thread(s) per slot (1 CPUs from NAS_WORKER_CPUS / 1 slot(s) "
                + "of this worker); latency measured on 1 thread(s) (NAS_LATENCY_THREADS)", "measurement lock "
                + dir.resolve("host").resolve("measure.lock"), "NAS_WORKER_CPUS=1");
        try (var files = Files.list(dir.resolve("host"))) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.endsWith(".slots"));
        }
        ok.process.destroy();
        assertThat(ok.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void sigtermPastTheGracePeriodHandsTheTrialBackForRedelivery(KafkaCluster kafka) throws Exception {
        Map<TopicPartition, Long> before = ConsumerGroups.committed(kafka, group, Topics.TRIALS);
        WorkerProcess w = WorkerProcess.start(kafka, "w-grace", group, dir,
                Map.of("NAS_SYNTHETIC_DELAY_MS", "120000", "NAS_SHUTDOWN_GRACE_SECONDS", "2"));
        w.httpPort(Duration.ofSeconds(60));
        String experiment = "grace-" + UUID.randomUUID().toString().substring(0, 6);
        String trialId = experiment + "-t1";
        try (TrialEventLog log = new TrialEventLog(kafka, experiment, e -> {})) {
            send(kafka, request(experiment, trialId, 120)); // a cancellation check every second
            log.await(e -> e instanceof TrialEvent.Started s && s.workerId().equals("w-grace"), Duration.ofSeconds(60));
            w.process.destroy();
            assertThat(w.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(w.logText()).contains("grace period over, abandoning 1 trial(s) for redelivery");
            assertThat(log.events()).noneMatch(e -> e instanceof TrialResult);
            assertThat(ConsumerGroups.committedBeyond(kafka, group, Topics.TRIALS, before)).as("nothing committed").isZero();

            // another member of the group gets the same attempt and finishes it
            WorkerConfig config = WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-next", 1, "cpu", null,
                    dir.resolve("artifacts"), 5, 1, "synthetic", 300);
            try (WorkerService next = new WorkerService(config, List.of(new SyntheticEvaluator("w-next", 300)))) {
                next.start();
                TrialEvent end = log.await(e -> e instanceof TrialResult, Duration.ofSeconds(60));
                assertThat(end).isInstanceOfSatisfying(TrialResult.Completed.class, c -> {
                    assertThat(c.workerId()).isEqualTo("w-next");
                    assertThat(c.trialId()).isEqualTo(trialId);
                    assertThat(c.attempt()).isEqualTo(1);
                });
            }
        }
    }

    @Test
    void aWorkerKilledMidTrialLosesNothing(KafkaCluster kafka) throws Exception {
        String id = "kill-" + UUID.randomUUID().toString().substring(0, 6);
        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")));
        int trials = 8;
        ExperimentSpec spec = example.with(new StrategySpec("random", 5L, null), new BudgetSpec(trials, 2, 2)).withId(id);
        Map<String, String> env = Map.of("NAS_SYNTHETIC_DELAY_MS", "3000");
        WorkerProcess a = WorkerProcess.start(kafka, "w-a", group, dir, env);
        WorkerProcess b = WorkerProcess.start(kafka, "w-b", group, dir, env);
        a.httpPort(Duration.ofSeconds(60));
        b.httpPort(Duration.ofSeconds(60));
        AtomicReference<String> killedTrial = new AtomicReference<>();
        try (ControllerService controller = new ControllerService(
                     new ControllerConfig(kafka.bootstrapServers(), "ctl-" + id, dir.resolve("state"), 4), StrategyRegistry.load());
             ExperimentSubmitter submitter = new ExperimentSubmitter(kafka.bootstrapServers());
             TrialEventLog log = new TrialEventLog(kafka, id, e -> {
                 if (e instanceof TrialEvent.Started s && s.workerId().equals("w-a") && killedTrial.compareAndSet(null, s.trialId())) {
                     a.process.destroyForcibly(); // SIGKILL: no commit, no leave-group, no result
                 }
             })) {
            controller.start();
            submitter.submit(spec);
            List<ExperimentEvent> events = new ExperimentWatcher(kafka.bootstrapServers()).follow(id, Duration.ofMinutes(3), e -> {});

            assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(a.process.exitValue()).isEqualTo(137);
            List<ExperimentEvent.TrialFinished> finished = events.stream()
                    .filter(e -> e instanceof ExperimentEvent.TrialFinished).map(e -> (ExperimentEvent.TrialFinished) e).toList();
            assertThat(finished).hasSize(trials).allMatch(f -> f.status() == TrialStatus.COMPLETED);
            assertThat(finished.stream().map(ExperimentEvent.TrialFinished::trialId).collect(Collectors.toSet())).hasSize(trials);
            assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                    c -> assertThat(c.completedTrials()).isEqualTo(trials));
            Set<String> completedBy = log.events().stream()
                    .filter(e -> e instanceof TrialResult.Completed c && c.trialId().equals(killedTrial.get()))
                    .map(e -> ((TrialResult.Completed) e).workerId()).collect(Collectors.toSet());
            assertThat(completedBy).as("the killed trial %s was redelivered", killedTrial.get()).containsExactly("w-b");
        } finally {
            b.process.destroy();
            b.process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static TrialRequest request(String experiment, String trialId, int epochs) {
        return new TrialRequest(1, experiment, trialId, 1, MLP, new DatasetSpec("fashion-mnist", 10, 10),
                new TrainingSpec(epochs, 64, 0.001, "adam"), 1L);
    }

    private static void send(KafkaCluster kafka, TrialRequest req) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(Topics.TRIALS, req.trialId(), JsonCodec.write(req))).get();
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The body of {@code path} once it answers {@code status} (readiness needs the group assignment first). */
    private static String awaitHttp(int port, String path, int status) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .alias(path + " answers " + status).until(() -> {
                    last.set(get(port, path));
                    return last.get().statusCode() == status;
                });
        return last.get().body();
    }
}
