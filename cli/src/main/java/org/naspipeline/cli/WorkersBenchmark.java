package org.naspipeline.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;

/**
 * Scheduling efficiency of the worker fleet: W one-slot workers in one consumer group run an experiment of N
 * synthetic trials of fixed length under the real controller and an in-process broker. Efficiency is the ideal
 * makespan (⌈N/W⌉ trial lengths) over the measured one; idle fraction is the share of worker time not spent in a
 * trial. Times come from the broker timestamps of the trials' started and result records.
 */
final class WorkersBenchmark {
    /** The measured figures. */
    record Result(int workers, int trials, int parallelism, int partitions, double trialSeconds,
                  double idealMakespanSeconds, double makespanSeconds, double efficiency, double idleFraction,
                  double submitToFirstStartSeconds, double endToEndSeconds, double endToEndEfficiency,
                  Map<String, Integer> trialsPerWorker, String note) {}

    static Result run(Path dir, ExperimentSpec spec, int workers, int partitions, long trialMillis) throws Exception {
        int trials = spec.budget().maxTrials();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            String bootstrap = kafka.bootstrapServers();
            TopicSetup.ensure(bootstrap, partitions);
            List<WorkerService> fleet = new ArrayList<>();
            ControllerService controller = new ControllerService(
                    new ControllerConfig(bootstrap, "bench-workers", dir.resolve("state"), partitions), StrategyRegistry.load());
            try (ExperimentSubmitter submitter = new ExperimentSubmitter(bootstrap)) {
                controller.start();
                for (int i = 1; i <= workers; i++) {
                    String id = "bench-worker-" + i;
                    WorkerConfig config = WorkerConfig.embedded(bootstrap, "bench-fleet", id, 1, "cpu", null,
                            dir.resolve("artifacts"), 5, 1, "synthetic", trialMillis);
                    WorkerService w = new WorkerService(config, List.of(new SyntheticEvaluator(id, trialMillis)));
                    w.start();
                    fleet.add(w);
                }
                awaitStableFleet(fleet, partitions);
                long submitted = System.currentTimeMillis();
                submitter.submit(spec);
                List<ExperimentEvent> events = new ExperimentWatcher(bootstrap).follow(spec.id(), Duration.ofMinutes(30), e -> {});
                long endToEnd = System.currentTimeMillis() - submitted;
                if (!(events.get(events.size() - 1) instanceof ExperimentEvent.Completed c) || c.completedTrials() != trials) {
                    throw new IllegalStateException("experiment did not complete all " + trials + " trials");
                }
                return measure(bootstrap, spec.id(), trials, workers, spec.budget().parallelism(), partitions,
                        trialMillis, submitted, endToEnd);
            } finally {
                fleet.forEach(WorkerService::close);
                controller.close();
            }
        }
    }

    /** Waits until the group has settled: every partition assigned, every worker with at least one. */
    private static void awaitStableFleet(List<WorkerService> fleet, int partitions) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            int assigned = fleet.stream().mapToInt(w -> w.health().assignedPartitions()).sum();
            if (assigned == partitions && fleet.stream().allMatch(w -> w.health().assignedPartitions() > 0)) {
                return;
            }
            Thread.sleep(100); // a bench set-up wait, not a test
        }
        throw new IllegalStateException("the worker group did not settle within 60 s");
    }

    private static Result measure(String bootstrap, String experimentId, int trials, int workers, int parallelism,
                                  int partitions, long trialMillis, long submitted, long endToEndMillis) {
        Map<String, Long> started = new HashMap<>();
        long firstStart = Long.MAX_VALUE;
        long lastEnd = 0;
        long busy = 0;
        Map<String, Integer> perWorker = new TreeMap<>();
        int completed = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "bench-reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(Topics.TRIAL_RESULTS));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (completed < trials && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!experimentId.equals(r.key())) {
                        continue;
                    }
                    TrialEvent e = JsonCodec.read(r.value(), TrialEvent.class);
                    String key = e.trialId() + "#" + e.attempt();
                    if (e instanceof TrialEvent.Started) {
                        started.put(key, r.timestamp());
                        firstStart = Math.min(firstStart, r.timestamp());
                    } else if (e instanceof TrialResult.Completed c && started.containsKey(key)) {
                        completed++;
                        busy += r.timestamp() - started.get(key);
                        lastEnd = Math.max(lastEnd, r.timestamp());
                        perWorker.merge(c.workerId(), 1, Integer::sum);
                    }
                }
            }
        }
        if (completed < trials) {
            throw new IllegalStateException("read " + completed + " of " + trials + " results back");
        }
        double trialSeconds = trialMillis / 1000.0;
        double ideal = Math.ceil((double) trials / workers) * trialSeconds;
        double makespan = (lastEnd - firstStart) / 1000.0;
        double endToEnd = endToEndMillis / 1000.0;
        return new Result(workers, trials, parallelism, partitions, trialSeconds, ideal, makespan, ideal / makespan,
                1 - busy / 1000.0 / (workers * makespan), (firstStart - submitted) / 1000.0, endToEnd, ideal / endToEnd,
                perWorker, "one-slot in-process workers (synthetic evaluator) in one consumer group, real controller, "
                        + "in-process broker; makespan from the first trial's start to the last result; endToEnd from "
                        + "submission to the completed event");
    }

    private WorkersBenchmark() {}
}
