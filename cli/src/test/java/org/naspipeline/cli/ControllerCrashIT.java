package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.naspipeline.api.BudgetSpec;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.api.WarmStartSpec;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.pareto.ParetoFront;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller runs as its own process and is killed with SIGKILL in the middle of a 100-trial regularized-
 * evolution experiment, then restarted on the same state directory. The experiment must end with exactly 100
 * trials, none finished twice, and the same Pareto front as an uninterrupted run with the same seed.
 * Workers use the synthetic evaluator (no training), one slot, so results arrive in a deterministic order. The same
 * holds under ASHA, where trials are promoted rung by rung from their checkpoints: every (trial, rung) finishes
 * exactly once, in the order of the uninterrupted run.
 */
@ExtendWith(KafkaExtension.class)
class ControllerCrashIT {
    static final int TRIALS = 100;

    @TempDir
    Path work;

    record Run(List<ExperimentEvent> events, Set<String> front) {}

    @Test
    void aKilledControllerResumesWithoutLosingOrRepeatingAnyTrial(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")));
        ExperimentSpec base = example.with(new StrategySpec("regularized-evolution", 11L, null), new BudgetSpec(TRIALS, 1, 2))
                .withId("unset");
        base = new ExperimentSpec(base.schemaVersion(), null, base.name(), base.dataset(), base.searchSpace(), base.strategy(),
                base.budget(), base.training(), ObjectivesSpec.DEFAULT);

        Run reference = run(kafka, base, "ref", false, 30);
        Run crashed = run(kafka, base, "crash", true, 30);

        for (Run r : List.of(reference, crashed)) {
            List<String> finished = r.events().stream().filter(e -> e instanceof ExperimentEvent.TrialFinished)
                    .map(e -> ((ExperimentEvent.TrialFinished) e).trialId()).toList();
            assertThat(finished).hasSize(TRIALS).doesNotHaveDuplicates();
            assertThat(r.events().get(r.events().size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                    c -> assertThat(c.completedTrials()).isEqualTo(TRIALS));
        }
        assertThat(crashed.front()).isNotEmpty().isEqualTo(reference.front());
    }

    @Test
    void aKilledControllerResumesAnAshaExperimentWithoutLosingOrRepeatingAnyRungOrPromotion(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"))
                .replace("\"maxTrials\": 4", "\"maxTrials\": " + ASHA_TRIALS)
                .replace("\"parallelism\": 2", "\"parallelism\": 1")
                .replace("\"epochs\": 2", "\"epochs\": 9")
                .replace("\"name\": \"random\"", "\"name\": \"regularized-evolution\"")
                .replace("\"training\"", "\"scheduler\": {\"type\": \"asha\"}, \"training\"");
        ExperimentSpec base = JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8));

        Run reference = run(kafka, base, "asha-ref", false, 25);
        Run crashed = run(kafka, base, "asha-crash", true, 25);

        List<String> rungsRef = rungsFinished(reference);
        assertThat(rungsRef).doesNotHaveDuplicates().hasSizeGreaterThan(ASHA_TRIALS);
        assertThat(rungsRef).anyMatch(r -> r.endsWith("@2")); // some trial reached the top rung
        assertThat(rungsFinished(crashed)).isEqualTo(rungsRef);
        for (Run r : List.of(reference, crashed)) {
            // every promotion continues from the checkpoint of the rung below, reported by the same trial
            List<ExperimentEvent.TrialScheduled> promotions = r.events().stream()
                    .filter(e -> e instanceof ExperimentEvent.TrialScheduled s && s.rung() != null && s.rung() > 0)
                    .map(e -> (ExperimentEvent.TrialScheduled) e).toList();
            assertThat(promotions).isNotEmpty();
            for (ExperimentEvent.TrialScheduled p : promotions) {
                assertThat(rungsRef).contains(local(p.trialId()) + "@" + (p.rung() - 1));
            }
            assertThat(r.events().get(r.events().size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                    c -> assertThat(c.completedTrials()).isEqualTo(ASHA_TRIALS));
        }
        assertThat(crashed.front()).isNotEmpty().isEqualTo(reference.front());
    }

    static final int ASHA_TRIALS = 40;

    /** The (trial, rung) pairs finished, {@code trialId@rung}, in the order they finished. */
    private static List<String> rungsFinished(Run run) {
        return run.events().stream().filter(e -> e instanceof ExperimentEvent.TrialFinished)
                .map(e -> (ExperimentEvent.TrialFinished) e).map(f -> local(f.trialId()) + "@" + f.rung()).toList();
    }

    /** A trial id without its experiment's id ({@code t0007}), to compare runs. */
    private static String local(String trialId) {
        return trialId.substring(trialId.lastIndexOf("-t") + 1);
    }

    /**
     * A warm start with the controller killed as soon as the new experiment's acceptance is committed, while the
     * request and answer are on their way between the two experiments' partitions: the new experiment is seeded
     * once (one committed request and answer, one "warm-started" event, nothing dead-lettered) and decides exactly
     * as an uninterrupted run.
     */
    @Test
    void aControllerKilledDuringAWarmStartSeedsOnceAndDecidesTheSame(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"))
                .replace("\"maxTrials\": 4", "\"maxTrials\": 8")
                .replace("\"parallelism\": 2", "\"parallelism\": 1");
        ExperimentSpec earlier = JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8));
        ExperimentSpec base = earlier.with(new StrategySpec("regularized-evolution", 4L,
                Map.of("populationSize", 8, "sampleSize", 8)), new BudgetSpec(6, 1, 2));
        Predicate<ExperimentEvent> accepted = e -> e instanceof ExperimentEvent.Accepted;

        Run reference = run(kafka, base, "warm-ref", false, accepted, earlier);
        Run crashed = run(kafka, base, "warm-crash", true, accepted, earlier);
        for (Run r : List.of(reference, crashed)) {
            assertThat(r.events()).filteredOn(e -> e instanceof ExperimentEvent.StatusChanged s && s.reason().startsWith("warm-started"))
                    .singleElement().satisfies(e -> assertThat(((ExperimentEvent.StatusChanged) e).reason())
                            .endsWith(": 8 completed result(s) told to the strategy"));
            assertThat(r.events().get(r.events().size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                    c -> assertThat(c.completedTrials()).isEqualTo(6));
        }
        assertThat(finishedCandidates(crashed)).hasSize(6).isEqualTo(finishedCandidates(reference));
    }

    private static List<String> finishedCandidates(Run run) {
        return run.events().stream().filter(e -> e instanceof ExperimentEvent.TrialFinished)
                .map(e -> local(((ExperimentEvent.TrialFinished) e).trialId()) + " "
                        + ((ExperimentEvent.TrialFinished) e).candidate().canonicalHash()).toList();
    }

    private Run run(KafkaCluster kafka, ExperimentSpec base, String name, boolean crash, int crashAfter) throws Exception {
        int[] finished = {0};
        return run(kafka, base, name, crash, e -> e instanceof ExperimentEvent.TrialFinished && ++finished[0] == crashAfter, null);
    }

    /**
     * Runs {@code base} as a new experiment; with {@code crash}, the controller is killed at the first event {@code
     * crashAt} accepts and restarted. With {@code earlier}, that experiment runs to its end first and the new one
     * warm-starts from it.
     */
    private Run run(KafkaCluster kafka, ExperimentSpec base, String name, boolean crash,
                    Predicate<ExperimentEvent> crashAt, ExperimentSpec earlier) throws Exception {
        String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        ExperimentSpec spec = earlier == null ? base.withId(id) : new ExperimentSpec(base.schemaVersion(), id, base.name(),
                base.dataset(), base.searchSpace(), base.strategy(), base.budget(), base.training(), base.objectives(),
                base.earlyStopping(), base.scheduler(), new WarmStartSpec(id + "-earlier"));
        Path dir = work.resolve(name);
        Files.createDirectories(dir);
        WorkerConfig wc = WorkerConfig.embedded(kafka.bootstrapServers(), "workers-" + id, "synthetic-1", 1, "cpu", null,
                dir.resolve("artifacts"), 5, 1, "synthetic", 5);
        ConsumerGroups.startAtEnd(kafka, wc.groupId(), Topics.TRIALS);
        AtomicReference<Process> controller = new AtomicReference<>(startController(kafka, id, dir, 1));
        int[] killedExitCode = {-1};
        List<ExperimentEvent> events;
        try (WorkerService worker = new WorkerService(wc, List.of(new SyntheticEvaluator("synthetic-1", 5)));
             ExperimentSubmitter submitter = new ExperimentSubmitter(kafka.bootstrapServers())) {
            worker.start();
            if (earlier != null) {
                submitter.submit(earlier.withId(id + "-earlier"));
                new ExperimentWatcher(kafka.bootstrapServers()).follow(id + "-earlier", Duration.ofMinutes(2), e -> { });
            }
            submitter.submit(spec);
            events = new ExperimentWatcher(kafka.bootstrapServers()).follow(id, Duration.ofMinutes(4), e -> {
                if (crash && crashAt.test(e)) {
                    Process p = controller.get();
                    p.destroyForcibly(); // SIGKILL: no close, no commit, no leave-group
                    try {
                        killedExitCode[0] = p.waitFor();
                        controller.set(startController(kafka, id, dir, 2));
                    } catch (InterruptedException | IOException ex) {
                        throw new IllegalStateException(ex);
                    }
                }
            });
        } finally {
            controller.get().destroy();
            controller.get().waitFor();
        }
        if (earlier != null) {
            assertWarmStartExchangedOnce(kafka, id);
        }
        if (crash) {
            assertThat(killedExitCode[0]).as("exit code of the killed controller").isEqualTo(137); // 128 + SIGKILL
            assertThat(Files.readString(dir.resolve("controller-2.log"))).contains("controller starting");
            if (earlier != null) { // where the kill landed varies from run to run; say where it was this time
                String first = Files.readString(dir.resolve("controller-1.log"));
                System.out.printf("%s: the killed controller had %s the request and %s the answer%n", name,
                        first.contains("warm-start request from") ? "answered" : "not answered",
                        first.contains(": warm start from") ? "applied" : "not applied");
            }
        }
        ParetoFront<String> front = new ParetoFront<>();
        for (ExperimentEvent e : events) {
            if (e instanceof ExperimentEvent.TrialFinished f && f.status() == TrialStatus.COMPLETED) {
                front.add(new double[] {-f.metrics().accuracy(), f.metrics().latencyMsP50()}, f.candidate().canonicalHash());
            }
        }
        Set<String> labels = new HashSet<>();
        front.entries().forEach(en -> labels.add(en.label()));
        return new Run(events, labels);
    }

    /** One committed warm-start request for the earlier experiment and one answer for {@code id}; no dead letter of either. */
    private static void assertWarmStartExchangedOnce(KafkaCluster kafka, String id) throws Exception {
        List<String> exchange = new ArrayList<>();
        List<String> dead = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.EXPERIMENTS, Topics.DLQ)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    String value = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
                    if (value.contains("\"internal\"") && value.contains(id)) {
                        (r.topic().equals(Topics.DLQ) ? dead : exchange).add(r.key());
                    }
                });
            }
        }
        assertThat(exchange).containsExactlyInAnyOrder(id + "-earlier", id);
        assertThat(dead).isEmpty();
    }

    private static Process startController(KafkaCluster kafka, String id, Path dir, int generation) throws IOException {
        return NasProcess.start("controller", "512m", Map.of(
                "NAS_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "NAS_CONTROLLER_APP_ID", "ctl-" + id,
                "NAS_STATE_DIR", dir.resolve("state").toString(),
                "NAS_CONTROLLER_INSTANCE_ID", "controller-0",
                "NAS_CONTROLLER_HTTP_PORT", "-1"), dir.resolve("controller-" + generation + ".log"));
    }
}
